/** Error replies of the model server: QMP's `{class, desc}`, any class (QEMU has a few beyond the job API's). */
export interface ServerError {
  readonly class: string;
  readonly desc: string;
}

export const generic = (desc: string): ServerError => ({ class: 'GenericError', desc });

export function isServerError(value: unknown): value is ServerError {
  return typeof value === 'object' && value !== null && typeof (value as ServerError).class === 'string' && typeof (value as ServerError).desc === 'string';
}
