import type { Command } from "commander";
export function registerAuthorCommands(_program: Command): void {}
