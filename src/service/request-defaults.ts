import type { CatalogAttributes } from '../catalog/catalog.ts';
import type { ServerConfig } from '../config/options.ts';
import type { RequestDefaults } from '../protocol/commands.ts';
import { rgbSpaceNamed } from '../protocol/icc-names.ts';

/** What the parser takes from the catalog and the server settings. */
export function requestDefaults(attributes: CatalogAttributes, config: ServerConfig): RequestDefaults {
  const { jpegQuality, resampling, resolution } = attributes;
  return {
    jpegQuality,
    resampling,
    resolution,
    formatAuto: attributes.formatAuto ?? config['fmt-auto'],
    browserFormatConversion: attributes.browserFormatConversion ?? config.bfc,
    iccProfile: attributes.iccProfileRgb ? rgbSpaceNamed(attributes.iccProfileRgb) : undefined,
    iccProfileName: attributes.iccProfileRgb && !rgbSpaceNamed(attributes.iccProfileRgb) ? attributes.iccProfileRgb : undefined,
    iccIntent: attributes.iccRenderIntent,
    iccBpc: attributes.iccBlackPointCompensation,
    ...(attributes.iccProfileCmyk ? { iccProfileCmyk: attributes.iccProfileCmyk } : {}),
    ...(attributes.iccProfileGray ? { iccProfileGray: attributes.iccProfileGray } : {}),
  };
}
