/**
 * Orders strings by UTF-16 code units. Ids and names are ASCII, and String#localeCompare's first
 * call loads ICU collation data (~20 ms), which `pinhole --help` would pay for a sort.
 */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
