// Errors of the tracking stores, with MLflow's error codes so that a
// caller handles the file store and the REST store alike.

export type TrackingErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'INVALID_STATE'
  | 'INTERNAL_ERROR';

export class TrackingError extends Error {
  override readonly name = 'TrackingError';

  constructor(
    readonly code: TrackingErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function invalid(message: string): TrackingError {
  return new TrackingError('INVALID_PARAMETER_VALUE', message);
}

export function notFound(message: string): TrackingError {
  return new TrackingError('RESOURCE_DOES_NOT_EXIST', message);
}
