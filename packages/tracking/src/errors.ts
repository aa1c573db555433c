// Errors of the tracking stores, with MLflow's error codes so that a
// caller handles the file store and the REST store alike.

/** The codes of `mlflow/protos/databricks.proto` that the stores raise. */
export type TrackingErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'INVALID_STATE'
  | 'INTERNAL_ERROR'
  | 'BAD_REQUEST'
  | 'ENDPOINT_NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'REQUEST_LIMIT_EXCEEDED'
  | 'TEMPORARILY_UNAVAILABLE';

export class TrackingError extends Error {
  override readonly name = 'TrackingError';

  /**
   * @param httpStatus the status of the server's answer, for errors of
   *   the REST store; undefined for local errors.
   */
  constructor(
    readonly code: TrackingErrorCode,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
  }
}

/**
 * The tracking server could not be reached, or kept failing with a
 * retryable answer, until the retry budget ran out. The only error after
 * which the offline fallback takes over.
 */
export class ServerUnavailableError extends TrackingError {
  constructor(message: string, httpStatus?: number) {
    super('TEMPORARILY_UNAVAILABLE', message, httpStatus);
  }
}

export function isServerUnavailable(e: unknown): e is ServerUnavailableError {
  return e instanceof ServerUnavailableError;
}

export function invalid(message: string): TrackingError {
  return new TrackingError('INVALID_PARAMETER_VALUE', message);
}

export function notFound(message: string): TrackingError {
  return new TrackingError('RESOURCE_DOES_NOT_EXIST', message);
}
