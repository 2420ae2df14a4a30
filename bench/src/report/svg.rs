//! Plain SVG bar charts: one horizontal bar per subject, a line for the min-max range of its
//! runs, and the value and ratio written on the bar. No chart library: the text is the SVG.

use std::fmt::Write;

use super::layout::{Chart, Section};

const WIDTH: f64 = 900.0;
const LABEL_WIDTH: f64 = 250.0;
const BAR_HEIGHT: f64 = 22.0;
const BAR_GAP: f64 = 6.0;
const SECTION_GAP: f64 = 34.0;
const COLOURS: [&str; 5] = ["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#9d755d"];

/// Escapes text for SVG.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A number for people: 1234567 as 1,234,567; small numbers with one decimal.
pub fn human(value: f64) -> String {
    if value.abs() < 100.0 {
        return format!("{value:.1}");
    }
    let digits = format!("{:.0}", value.abs());
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if value < 0.0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

fn section_height(section: &Section) -> f64 {
    SECTION_GAP + section.bars.len() as f64 * (BAR_HEIGHT + BAR_GAP)
}

/// The chart as an SVG document.
pub fn render(chart: &Chart) -> String {
    let height = 40.0 + chart.sections.iter().map(section_height).sum::<f64>() + 10.0;
    let mut svg = String::new();
    // Writing into a String cannot fail.
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="10" y="24" font-size="16" font-weight="bold">{}</text>"#,
        escape(&chart.title)
    );
    let mut y = 40.0;
    for section in &chart.sections {
        render_section(&mut svg, section, y);
        y += section_height(section);
    }
    svg.push_str("</svg>\n");
    svg
}

fn render_section(svg: &mut String, section: &Section, top: f64) {
    let _ = writeln!(
        svg,
        r#"<text x="10" y="{}" font-weight="bold">{} ({})</text>"#,
        top + 20.0,
        escape(&section.title),
        escape(&section.unit)
    );
    let scale_max = section
        .bars
        .iter()
        .map(|bar| bar.max.max(bar.median))
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let span = WIDTH - LABEL_WIDTH - 20.0;
    let mut y = top + SECTION_GAP - 4.0;
    for (index, bar) in section.bars.iter().enumerate() {
        let length = (bar.median / scale_max * span).max(1.0);
        let colour = COLOURS[index % COLOURS.len()];
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
            LABEL_WIDTH - 8.0,
            y + 15.0,
            escape(&bar.label)
        );
        let _ = writeln!(
            svg,
            r#"<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1}" height="{BAR_HEIGHT}" fill="{colour}"/>"#
        );
        // The range of the runs.
        let low = LABEL_WIDTH + bar.min / scale_max * span;
        let high = LABEL_WIDTH + bar.max / scale_max * span;
        let middle = y + BAR_HEIGHT / 2.0;
        let _ = writeln!(
            svg,
            r#"<line x1="{low:.1}" y1="{middle}" x2="{high:.1}" y2="{middle}" stroke="black" stroke-width="1.5"/>"#
        );
        let mut text = human(bar.median);
        if !bar.note.is_empty() {
            text.push_str(&format!("  ({})", bar.note));
        }
        // Inside the bar when it is long enough, else after it.
        let inside = length > 260.0;
        let (x, anchor, fill) = if inside {
            (LABEL_WIDTH + 6.0, "start", "white")
        } else {
            (
                LABEL_WIDTH + length.max(high - LABEL_WIDTH) + 6.0,
                "start",
                "black",
            )
        };
        let _ = writeln!(
            svg,
            r#"<text x="{x:.1}" y="{}" text-anchor="{anchor}" fill="{fill}">{}</text>"#,
            y + 15.0,
            escape(&text)
        );
        y += BAR_HEIGHT + BAR_GAP;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(human(1_234_567.4), "1,234,567");
        assert_eq!(human(999.0), "999");
        assert_eq!(human(12.34), "12.3");
    }
}
