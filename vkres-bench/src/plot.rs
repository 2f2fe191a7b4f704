//! The PNG of upload throughput against upload size: a log-2 x axis, a linear y axis, one
//! line per way, a legend; drawn pixel by pixel with the built-in 5x7 font.

use std::path::Path;

use crate::BenchResult;
use crate::font::glyph;
use crate::json::Sweep;

const WIDTH: usize = 1000;
const HEIGHT: usize = 620;
const LEFT: usize = 90;
const RIGHT: usize = 30;
const TOP: usize = 80;
const BOTTOM: usize = 70;
const TEXT: usize = 2; // pixels per font dot
const COLORS: [[u8; 3]; 6] =
    [[31, 119, 180], [148, 103, 189], [255, 127, 14], [44, 160, 44], [214, 39, 40], [140, 86, 75]];

/// An RGB canvas.
struct Canvas {
    pixels: Vec<u8>,
}

impl Canvas {
    fn new() -> Self {
        Canvas { pixels: vec![255; WIDTH * HEIGHT * 3] }
    }

    fn set(&mut self, x: i64, y: i64, color: [u8; 3]) {
        if (0..WIDTH as i64).contains(&x) && (0..HEIGHT as i64).contains(&y) {
            let at = (y as usize * WIDTH + x as usize) * 3;
            self.pixels[at..at + 3].copy_from_slice(&color);
        }
    }

    fn rect(&mut self, x: i64, y: i64, w: i64, h: i64, color: [u8; 3]) {
        for yy in y..y + h {
            for xx in x..x + w {
                self.set(xx, yy, color);
            }
        }
    }

    /// A line `thick` pixels wide (Bresenham, squares along it).
    fn line(&mut self, (x0, y0): (i64, i64), (x1, y1): (i64, i64), thick: i64, color: [u8; 3]) {
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let (mut x, mut y, mut err) = (x0, y0, dx + dy);
        loop {
            self.rect(x - thick / 2, y - thick / 2, thick, thick, color);
            if x == x1 && y == y1 {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += sx;
            }
            if e2 <= dx {
                err += dx;
                y += sy;
            }
        }
    }

    /// Text with its top-left corner at (x, y).
    fn text(&mut self, x: i64, y: i64, text: &str, color: [u8; 3]) {
        for (i, c) in text.chars().enumerate() {
            let left = x + (i * 6 * TEXT) as i64;
            for (row, bits) in glyph(c).iter().enumerate() {
                for col in 0..5 {
                    if bits & (0x10 >> col) != 0 {
                        let (px, py) = (left + (col * TEXT) as i64, y + (row * TEXT) as i64);
                        self.rect(px, py, TEXT as i64, TEXT as i64, color);
                    }
                }
            }
        }
    }

    fn text_width(text: &str) -> i64 {
        (text.chars().count() * 6 * TEXT) as i64
    }
}

/// `4K`, `16M`, `1G`: a power-of-two size in binary units.
pub fn size_label(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{}G", b >> 30),
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{}M", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{}K", b >> 10),
        b => format!("{b}"),
    }
}

/// A tick step giving at most eight ticks up to `max`: 1, 2 or 5 times a power of ten.
pub fn tick_step(max: f64) -> f64 {
    let raw = (max / 8.0).max(1e-9);
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * power).find(|&s| s >= raw).unwrap_or(10.0 * power)
}

/// Draws `sweep` (GB/s against size) with `title` and writes the PNG to `path`.
pub fn write(path: &Path, sweep: &Sweep, title: &str) -> BenchResult<()> {
    let mut c = Canvas::new();
    let (black, grey, light) = ([0, 0, 0], [90, 90, 90], [225, 225, 225]);
    let (x0, x1) = (LEFT as i64, (WIDTH - RIGHT) as i64);
    let (y0, y1) = ((HEIGHT - BOTTOM) as i64, TOP as i64);
    let (Some(&first), Some(&last)) = (sweep.sizes.first(), sweep.sizes.last()) else {
        return Err("nothing to plot".into());
    };
    let (lo, hi) = ((first as f64).log2(), (last as f64).log2().max((first as f64).log2() + 1.0));
    let max = sweep.series.iter().flat_map(|(_, v)| v.iter().flatten()).fold(0.0f64, |a, &b| a.max(b)).max(0.1);
    let step = tick_step(max * 1.05);
    let top = (max * 1.05 / step).ceil() * step;
    let px = |size: u64| x0 + (((size as f64).log2() - lo) / (hi - lo) * (x1 - x0) as f64).round() as i64;
    let py = |gbps: f64| y0 - (gbps / top * (y0 - y1) as f64).round() as i64;

    // Grid and axes.
    let mut tick = 0.0;
    while tick <= top + step / 2.0 {
        let y = py(tick);
        c.line((x0, y), (x1, y), 1, light);
        let label = if step < 1.0 { format!("{tick:.1}") } else { format!("{tick:.0}") };
        c.text(x0 - 10 - Canvas::text_width(&label), y - 7, &label, grey);
        tick += step;
    }
    for &size in &sweep.sizes {
        let x = px(size);
        c.line((x, y0), (x, y1), 1, light);
        let label = size_label(size);
        c.text(x - Canvas::text_width(&label) / 2, y0 + 10, &label, grey);
    }
    c.line((x0, y0), (x1, y0), 2, black);
    c.line((x0, y0), (x0, y1), 2, black);
    c.text(x0, 14, title, black);
    c.text(x0, 44, "GB/S (1E9 BYTES PER SECOND), MEDIAN OF THE COUNTED RUNS", grey);
    let axis = "UPLOAD SIZE (BYTES, LOG SCALE)";
    c.text((x0 + x1) / 2 - Canvas::text_width(axis) / 2, y0 + 40, axis, grey);

    // One line per way, a square on each measured point, the legend at the top left.
    for (i, (name, values)) in sweep.series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let points: Vec<(i64, i64)> =
            sweep.sizes.iter().zip(values).filter_map(|(&s, v)| v.map(|g| (px(s), py(g)))).collect();
        for pair in points.windows(2) {
            c.line(pair[0], pair[1], 3, color);
        }
        for &(x, y) in &points {
            c.rect(x - 4, y - 4, 9, 9, color);
        }
        let ly = y1 + 12 + i as i64 * 22;
        c.rect(x0 + 16, ly + 4, 28, 6, color);
        let label = if points.is_empty() { format!("{name} (NOT MEASURED)") } else { name.clone() };
        c.text(x0 + 52, ly, &label, black);
    }

    let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), WIDTH as u32, HEIGHT as u32);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&c.pixels)?;
    writer.finish()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_ticks() {
        assert_eq!(size_label(4096), "4K");
        assert_eq!(size_label(256 << 20), "256M");
        assert_eq!(size_label(1 << 30), "1G");
        assert_eq!(tick_step(8.0), 1.0);
        assert_eq!(tick_step(9.0), 2.0);
        assert_eq!(tick_step(35.0), 5.0);
        assert!((tick_step(0.4) - 0.05).abs() < 1e-12);
    }

    #[test]
    fn writes_a_png_with_missing_points() {
        let sweep = Sweep {
            sizes: vec![4096, 1 << 20, 1 << 30],
            series: vec![
                ("a".into(), vec![Some(1.0), Some(5.0), Some(9.0)]),
                ("b".into(), vec![None, Some(2.0), None]),
            ],
        };
        let path = std::env::temp_dir().join(format!("vkres-bench-plot-{}.png", std::process::id()));
        write(&path, &sweep, "TEST").unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
        assert!(write(&path, &Sweep::default(), "EMPTY").is_err());
    }
}
