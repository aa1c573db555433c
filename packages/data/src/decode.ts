// Decoding of encoded images (WebP, JPEG, PNG) to 8-bit RGB through the
// `sharp` package (libvips with libwebp, libjpeg and libpng). It is
// imported on first use, so code that never decodes an image does not
// load it. The output equals PIL's Image.open(...).convert('RGB') for RGB
// and grey WebP, JPEG and PNG files (tested byte for byte in decode.test).
import type { RgbImage } from './resize';

type Sharp = (typeof import('sharp'))['default'];

let loading: Promise<Sharp> | undefined;

/** The sharp module, imported once; fails with how to install it. */
function sharpModule(): Promise<Sharp> {
  loading ??= import('sharp').then(
    (m) => m.default,
    (error: Error) => {
      loading = undefined;
      throw new Error(
        `decodeRgb: the image decoder 'sharp' could not be loaded ` +
          `(npm ci installs it with the workspace): ${error.message}`,
      );
    },
  );
  return loading;
}

/**
 * Decodes one encoded image to RGB bytes [height, width, 3]. An alpha
 * channel is dropped (not composited) and grey is replicated to R, G, B,
 * as PIL's convert('RGB') does; embedded ICC profiles are ignored, as PIL
 * ignores them. `label` names the image in the error of a file that is
 * not a decodable image or is truncated.
 * TODO: CMYK JPEGs go through libvips' CMYK → sRGB transform, which
 * differs from PIL's plain inversion; LSUN has none.
 */
export async function decodeRgb(
  bytes: Uint8Array,
  label: string,
): Promise<RgbImage> {
  const sharp = await sharpModule();
  try {
    const { data, info } = await sharp(bytes, {
      failOn: 'truncated',
      ignoreIcc: true,
    })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      throw new Error(`decoded to ${info.channels} channels, not 3`);
    }
    const { width, height } = info;
    const rgb = new Uint8Array(data.buffer, data.byteOffset, data.length);
    return { width, height, data: rgb };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(
      `${label}: not a decodable image (${bytes.length} bytes): ${why}`,
    );
  }
}
