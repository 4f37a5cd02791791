/** codec-mjpeg options: contributes.configuration in package.json is their only source of defaults. */
export interface MjpegOptions {
  minQuality: number;
  maxQuality: number;
  startQuality: number;
}
export const MjpegOptions = Symbol('MjpegOptions');
