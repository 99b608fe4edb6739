import type { OutputFormat } from '../protocol/formats.ts';
import type { OutputSpec } from '../protocol/request.ts';

/**
 * What the service decides about a reply that the request does not say: the format smart imaging
 * chose by the client's Accept, and the file of the job that holds the reply's profile (with the
 * kind of that profile). The typed request stays as it was parsed; planning makes the reply's
 * output of the two.
 */
export interface Delivery {
  format?: OutputFormat;
  profile?: OutputProfile;
}

/** The reply's profile: a matrix RGB space the sources convert into, or a table (`device`) the reply is separated into at the end. */
export interface OutputProfile {
  kind: 'matrix' | 'rgb' | 'cmyk' | 'gray';
  file: number;
}

/** The reply's profile as planned: the request's `icc=` with the job file and, for a table profile, its device space. */
export type PlannedIcc = NonNullable<OutputSpec['icc']> & { file?: number; device?: 'rgb' | 'cmyk' | 'gray' };

/** The reply as planned: the request's output with what the service chose. */
export type PlannedOutput = Omit<OutputSpec, 'icc'> & { icc?: PlannedIcc };

export function deliveredOutput(output: OutputSpec, { format, profile }: Delivery): PlannedOutput {
  const planned: PlannedOutput = format ? { ...output, format } : { ...output };
  if (!profile || !output.icc) return planned;
  const icc: PlannedIcc = { ...output.icc, file: profile.file, ...(profile.kind === 'matrix' ? {} : { device: profile.kind }) };
  // A profile's pixel type is the reply's (a grey or CMYK profile makes a grey or CMYK reply).
  return { ...planned, gray: profile.kind === 'gray', cmyk: profile.kind === 'cmyk', icc };
}
