import { parseRecords } from './files.ts';

/**
 * An ICC profile map file (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/icc-profile-map-reference/c-icc-profile-map-reference): tab-delimited records keyed by
 * icc::Name (unique, no commas), each with icc::ProfilePath relative to attribute::RootPath. Names
 * are looked up without regard to case.
 */
export function parseIccMap(text: string): Map<string, string> {
  const map = new Map<string, string>();
  const duplicate = (name: string, line: number) => {
    throw new Error(`line ${line}: the profile name ${name} is used twice`);
  };
  for (const [name, fields] of parseRecords(text, 'name', duplicate)) {
    if (name.includes(',')) throw new Error(`the profile name ${name} may not contain a comma`);
    const path = (fields.get('profilepath') ?? '').trim();
    if (path === '') throw new Error(`the profile ${name} has no ProfilePath`);
    map.set(name.trim().toLowerCase(), path);
  }
  return map;
}
