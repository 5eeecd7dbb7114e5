/**
 * The two-step writes a checkpoint overlaps (Storage.stage, PartWriter.seal), with the plain
 * one-step behaviour for a backend that has neither.
 */
import type { PartWriter, SealedPart, StagedFile, Storage } from './types.ts';

/** `data` staged for `path`: the backend's own staging, or the bytes kept until then. */
export async function stageFile(storage: Storage, path: string, data: Uint8Array): Promise<StagedFile> {
  if (storage.stage !== undefined) return storage.stage(path, data);
  return {
    createIfAbsent: () => storage.createIfAbsent(path, data),
    put: () => storage.put(path, data),
    discard: async () => {},
  };
}

/** The writer's seal, or its whole close when it cannot tell its pending file sooner. */
export async function sealPart(writer: PartWriter): Promise<SealedPart> {
  if (writer.seal !== undefined) return writer.seal();
  return { pending: await writer.closeForCommit(), durable: Promise.resolve() };
}
