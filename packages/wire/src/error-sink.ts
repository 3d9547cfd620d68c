// Where the wire layer reports errors it handles itself (a caller that reset its stream, a
// connection that dropped): the host decides, typically a debug log line; by default nothing.

/**
 * Receives an error the wire layer has already dealt with, for logging.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export type ErrorSink = (error: Error) => void;

/**
 * The default sink: the error is handled, nothing to report.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export const ignoreError: ErrorSink = () => {};
