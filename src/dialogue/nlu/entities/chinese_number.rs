//! Numbers written in Chinese numerals (九十九, 一百零五, 两千五, 三点五) or ASCII digits.

use super::super::spoken_digits::chinese_digit;

/// Parses a whole integer: ASCII digits or Chinese numerals with units (十百千万).
/// A trailing digit after a unit counts in the next lower unit, as spoken: 两千五 = 2500, 三百五 = 350.
pub fn parse_integer(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.chars().all(|c| c.is_ascii_digit()) {
        return s.parse().ok();
    }
    let (mut total, mut section) = (0u64, 0u64);
    let mut digits: Option<u64> = None;
    let mut last_unit = 1u64;
    let mut zero_before_digit = false;
    for c in s.chars() {
        let digit = chinese_digit(c).or_else(|| c.is_ascii_digit().then_some(c));
        if let Some(d) = digit {
            let d = u64::from(d as u8 - b'0');
            if d == 0 {
                zero_before_digit = true;
            }
            digits = Some(digits.unwrap_or(0).checked_mul(10)?.checked_add(d)?);
            continue;
        }
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            '万' => 10_000,
            _ => return None,
        };
        if unit == 10_000 {
            total = total.checked_add(
                section
                    .checked_add(digits.unwrap_or(0))?
                    .checked_mul(unit)?,
            )?;
            section = 0;
        } else {
            section = section.checked_add(digits.unwrap_or(1).checked_mul(unit)?)?;
        }
        digits = None;
        last_unit = unit;
        zero_before_digit = false;
    }
    let tail = match digits {
        Some(d) if d < 10 && (100..10_000).contains(&last_unit) && !zero_before_digit => {
            d * last_unit / 10
        }
        Some(d) => d,
        None => 0,
    };
    total.checked_add(section)?.checked_add(tail)
}

/// Parses a number with an optional decimal part after 点 or `.`: 三点五 = 3.5, 99.5.
pub fn parse_decimal(s: &str) -> Option<f64> {
    let s = s.trim();
    let (int, frac) = match s.split_once(['点', '.']) {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let mut value = parse_integer(int)? as f64;
    if let Some(frac) = frac {
        let mut scale = 0.1;
        for c in frac.chars() {
            let d = chinese_digit(c).or_else(|| c.is_ascii_digit().then_some(c))?;
            value += f64::from(d as u8 - b'0') * scale;
            scale /= 10.0;
        }
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_chinese_numerals() {
        for (text, value) in [
            ("九十九", 99),
            ("十", 10),
            ("十五", 15),
            ("二十", 20),
            ("一百零五", 105),
            ("三百五", 350),
            ("两千五", 2500),
            ("两千零五", 2005),
            ("一万二千", 12_000),
            ("三", 3),
            ("二零二六", 2026),
            ("12", 12),
        ] {
            assert_eq!(parse_integer(text), Some(value), "{text}");
        }
        assert_eq!(parse_integer("九十九块"), None);
        assert_eq!(parse_integer(""), None);
    }

    #[test]
    fn parses_decimals() {
        assert_eq!(parse_decimal("三点五"), Some(3.5));
        assert_eq!(parse_decimal("99.5"), Some(99.5));
    }
}
