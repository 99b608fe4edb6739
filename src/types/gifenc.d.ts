// gifenc ships no types; the one function Isle uses is typed where it is imported.
declare module 'gifenc' {
  const gifenc: unknown;
  export default gifenc;
}
