//! Image payloads (PNG, JPEG, GIF, WebP, BMP), as a camera snapshot arrives: found by
//! their first bytes, decoded off the UI thread (the payload view's thread) within a size
//! cap, and shown scaled to the inspector.

use std::io::Cursor;

use image::{ImageFormat, ImageReader, Limits};

/// Most pixels an image payload may have to be shown (4096 × 4096).
pub const MOST_PIXELS: u64 = 16 << 20;

/// The image format `bytes` start with, if it is one shown.
pub fn image_format(bytes: &[u8]) -> Option<ImageFormat> {
    let format = image::guess_format(bytes).ok()?;
    matches!(
        format,
        ImageFormat::Png
            | ImageFormat::Jpeg
            | ImageFormat::Gif
            | ImageFormat::WebP
            | ImageFormat::Bmp
    )
    .then_some(format)
}

/// The decoded image (the first frame of an animation) and a line saying what it is, or
/// why it cannot be shown, in words.
pub fn decode_image(bytes: &[u8]) -> Result<(egui::ColorImage, String), String> {
    let format = image_format(bytes).ok_or("not a PNG, JPEG, GIF, WebP or BMP image")?;
    let name = format!("{format:?}").to_uppercase();
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| format!("not a readable {name} image: {e}"))?;
    if u64::from(w) * u64::from(h) > MOST_PIXELS {
        return Err(format!(
            "{name}, {w}×{h} px: more than the {} Mpx shown",
            MOST_PIXELS >> 20
        ));
    }
    reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(w);
    limits.max_image_height = Some(h);
    limits.max_alloc = Some(MOST_PIXELS * 4 * 2);
    reader.limits(limits);
    let image = reader
        .decode()
        .map_err(|e| format!("not a readable {name} image: {e}"))?
        .to_rgba8();
    let size = [image.width() as usize, image.height() as usize];
    let pixels = egui::ColorImage::from_rgba_unmultiplied(size, image.as_raw());
    Ok((pixels, format!("{name} image, {w}×{h} px")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small image written by the `image` crate's own encoder.
    fn encoded(format: ImageFormat, w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_fn(w, h, |x, y| image::Rgba([x as u8, y as u8, 90, 255]));
        let mut out = Cursor::new(Vec::new());
        image::DynamicImage::ImageRgba8(img)
            .to_rgb8()
            .write_to(&mut out, format)
            .unwrap();
        out.into_inner()
    }

    #[test]
    fn images_are_found_by_their_bytes_and_decoded() {
        for format in [
            ImageFormat::Png,
            ImageFormat::Jpeg,
            ImageFormat::Bmp,
            ImageFormat::Gif,
        ] {
            let bytes = encoded(format, 64, 40);
            assert_eq!(image_format(&bytes), Some(format));
            let (pixels, said) = decode_image(&bytes).unwrap();
            assert_eq!(pixels.size, [64, 40], "{format:?}");
            assert!(said.ends_with("image, 64×40 px"), "{said}");
        }
        assert_eq!(image_format(b"{\"not\": \"an image\"}"), None);
    }

    #[test]
    fn broken_and_huge_images_say_why() {
        let mut png = encoded(ImageFormat::Png, 32, 32);
        png.truncate(60);
        let e = decode_image(&png).unwrap_err();
        assert!(e.starts_with("not a readable PNG image"), "{e}");
        // A PNG header claiming 100,000 × 100,000 pixels: refused before any pixel.
        let mut huge = encoded(ImageFormat::Png, 1, 1);
        huge[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        huge[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(&huge[12..29]); // the IHDR chunk's type and data
        huge[29..33].copy_from_slice(&crc.sum().to_be_bytes());
        let e = decode_image(&huge).unwrap_err();
        assert!(
            e.contains("100000×100000 px: more than the 16 Mpx shown"),
            "{e}"
        );
        let mut rng = fastrand::Rng::with_seed(16);
        let sample = encoded(ImageFormat::Jpeg, 16, 16);
        for _ in 0..2_000 {
            let mut b = sample.clone();
            let at = rng.usize(..b.len());
            b[at] = rng.u8(..);
            let _ = decode_image(&b);
        }
    }
}
