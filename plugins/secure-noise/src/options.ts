/** The plugin's validated options (defaults: the manifest's contributes.configuration). */
export interface SecureNoiseOptions {
  /** stream:session tap order: protection goes on before any other session tap runs. */
  stage: number;
}
export const SecureNoiseOptions = Symbol('SecureNoiseOptions');
