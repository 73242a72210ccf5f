// The one error the instrumenter raises for a module it will not sandbox (or cannot read).

export class InstrumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InstrumentError";
  }
}
