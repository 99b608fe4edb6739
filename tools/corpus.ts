import { resolve } from 'node:path';

/**
 * The optional corpus of real photos and PngSuite, kept beside a clone by the project's steering
 * folder: an extra layer of tests and the bench's sources. A lone clone runs without it.
 */
export const CORPUS = resolve(import.meta.dirname, '..', '..', 'shared', 'corpus');
export const PHOTOS = resolve(CORPUS, 'photos');
export const PNGSUITE = resolve(CORPUS, 'pngsuite');
