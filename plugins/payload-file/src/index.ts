import { ContainerModule } from 'inversify';
import type { PluginContext } from '@pinhole/core';
import { FileTransfer, PayloadType } from '@pinhole/core';
import { FilePayloadType } from './file-payload';
import { DEFAULT_OPTIONS, type FileOptions } from './options';
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
export { DEFAULT_OPTIONS, FILE_CHANNEL, type FileOptions } from './options';
export type { FileErrorCode } from './errors';

/**
 * Binds the `file` payload type (named "file") and the FileTransfer service. They are built
 * here rather than in a static containerModule because they carry this host's validated options.
 */
export function activate(context: PluginContext): void {
  const options: FileOptions = { ...DEFAULT_OPTIONS, ...(context.options as Partial<FileOptions>) };
  const payload = new FilePayloadType(options);
  const module = new ContainerModule((bind) => {
    bind<PayloadType>(PayloadType).toConstantValue(payload as PayloadType).whenTargetNamed(payload.name);
    bind<FileTransfer>(FileTransfer).toConstantValue(new FileTransferService(payload));
  });
  context.container.load(module);
  context.subscriptions.push({ dispose: () => context.container.unload(module) }, { dispose: () => payload.closeAll() });
}
