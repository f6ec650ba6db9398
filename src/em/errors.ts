/** A configuration value that cannot be used; `option` names it as the user spelled it (camelCase here, mapped to flags by the CLI). */
export class InvalidOptionError extends Error {
  constructor(
    readonly option: string,
    readonly detail: string,
  ) {
    super(`${option}: ${detail}`);
    this.name = 'InvalidOptionError';
  }
}

/** A checkpoint that does not fit the configured model. */
export class IncompatibleStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IncompatibleStateError';
  }
}

/** A covariance the E-step cannot factor; `component` names which one. */
export class NotPositiveDefiniteError extends Error {
  constructor(readonly component: number) {
    super(`covariance of component ${component} is not positive definite`);
    this.name = 'NotPositiveDefiniteError';
  }
}
