import type { Command } from "commander";
export function registerProfileCommand(_program: Command): void {}
