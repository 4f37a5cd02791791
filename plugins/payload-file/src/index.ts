import { ContainerModule } from 'inversify';
import { FileTransfer, PayloadType, type PluginContext } from '@pinhole/core';
import { FilePayloadType } from './file-payload';
import { FILE_PAYLOAD, FileOptions } from './options';
import { FileTransferService } from './transfer-service';

export { FilePayloadType } from './file-payload';
export { FileEndpoint } from './endpoint';
export { FileTransferService } from './transfer-service';
export { ProgressView, type ProgressViewOptions } from './progress-view';
export { checkName, nameProblem, MAX_NAME_BYTES } from './names';
export { partPaths } from './part-file';
export { decodeFileFrame, encodeFileFrame, MAX_FILE_FRAME, MAX_STREAMS, type FileFrame, type PieceFrame } from './wire';
export { fileHash, Pieces, Bitmap, DEFAULT_PIECE_BYTES } from './pieces';
export { StreamCount } from './stream-count';
export { FILE_CHANNEL, FILE_PAYLOAD, type FileOptions } from './options';
export type { FileErrorCode } from './errors';

/**
 * The `file` payload type (a PayloadType named "file") and the FileTransfer service on top of it.
 * Unloading the module on deactivation closes every endpoint and the hashing worker (preDestroy).
 */
export function containerModule(ctx: PluginContext<FileOptions>): ContainerModule {
  return new ContainerModule((bind) => {
    bind(FileOptions).toConstantValue(ctx.options);
    bind(PayloadType).to(FilePayloadType).inSingletonScope().whenTargetNamed(FILE_PAYLOAD);
    bind(FileTransfer).to(FileTransferService).inSingletonScope();
  });
}
