import { SluiceError } from '../errors.ts';

/** A storage operation failed; `retriable` says whether trying again can help. */
export class StorageError extends SluiceError {}
