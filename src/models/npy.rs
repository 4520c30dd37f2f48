//! Minimal reader for NumPy `.npz` archives of little-endian `f32` arrays (Whisper's mel filter banks).

use std::io::Read;
use std::path::Path;

use super::FormatError;

/// A 2-D (or 1-D) `f32` array in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct F32Array {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

/// Reads array `key` (without `.npy`) from the `.npz` file at `path`.
pub fn read_npz_f32(path: &Path, key: &str) -> Result<F32Array, FormatError> {
    let file = std::fs::File::open(path).map_err(|e| FormatError::io(path, e))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| FormatError::Invalid {
        path: path.to_path_buf(),
        reason: format!("not a zip archive: {e}"),
    })?;
    let mut entry = zip
        .by_name(&format!("{key}.npy"))
        .map_err(|_| FormatError::Invalid {
            path: path.to_path_buf(),
            reason: format!("array {key} is missing"),
        })?;
    let mut bytes = Vec::new();
    entry
        .read_to_end(&mut bytes)
        .map_err(|e| FormatError::io(path, e))?;
    parse_npy_f32(&bytes).map_err(|reason| FormatError::Invalid {
        path: path.to_path_buf(),
        reason: format!("array {key}: {reason}"),
    })
}

/// The names of the arrays in the `.npz` file at `path` (member names without `.npy`), in archive order.
pub fn npz_names(path: &Path) -> Result<Vec<String>, FormatError> {
    let file = std::fs::File::open(path).map_err(|e| FormatError::io(path, e))?;
    let zip = zip::ZipArchive::new(file).map_err(|e| FormatError::Invalid {
        path: path.to_path_buf(),
        reason: format!("not a zip archive: {e}"),
    })?;
    Ok(zip
        .file_names()
        .filter_map(|n| n.strip_suffix(".npy"))
        .map(str::to_string)
        .collect())
}

/// Parses one `.npy` file holding `<f4` data in C order.
pub fn parse_npy_f32(bytes: &[u8]) -> Result<F32Array, String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not a .npy file".into());
    }
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(format!("unsupported .npy version {v}")),
    };
    let header = bytes
        .get(start..start + header_len)
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or("truncated or non-text header")?;
    let descr = dict_value(header, "descr").ok_or("header has no 'descr'")?;
    if descr.trim_matches(['\'', '"']) != "<f4" {
        return Err(format!("dtype {descr} is not little-endian float32"));
    }
    if dict_value(header, "fortran_order").map(str::trim) != Some("False") {
        return Err("Fortran-ordered arrays are not supported".into());
    }
    let shape_text = dict_value(header, "shape").ok_or("header has no 'shape'")?;
    let shape = shape_text
        .trim_matches(['(', ')'])
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|_| format!("bad shape {shape_text}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let n: usize = shape.iter().product();
    let data_bytes = &bytes[start + header_len..];
    if data_bytes.len() != n * 4 {
        return Err(format!(
            "{} data bytes for shape {shape:?} (expected {})",
            data_bytes.len(),
            n * 4
        ));
    }
    let data = data_bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok(F32Array { shape, data })
}

/// The raw text of one value in the header's Python dict literal (values never contain `:` here).
fn dict_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let at = header.find(&format!("'{key}'"))? + key.len() + 2;
    let rest = header[at..].trim_start().strip_prefix(':')?.trim_start();
    let end = if rest.starts_with('(') {
        rest.find(')')? + 1
    } else {
        rest.find([',', '}'])?
    };
    Some(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(header: &str, data: &[f32]) -> Vec<u8> {
        let mut h = header.to_string();
        while !(10 + h.len() + 1).is_multiple_of(64) {
            h.push(' ');
        }
        h.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&(h.len() as u16).to_le_bytes());
        out.extend_from_slice(h.as_bytes());
        for v in data {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    #[test]
    fn parses_a_2d_float_array() {
        let b = npy(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
            &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        );
        let a = parse_npy_f32(&b).unwrap();
        assert_eq!(a.shape, vec![2, 3]);
        assert_eq!(a.data[5], 6.0);
    }

    #[test]
    fn rejects_other_dtypes_and_short_data() {
        let b = npy(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
            &[1.0, 2.0],
        );
        assert!(parse_npy_f32(&b).unwrap_err().contains("<f8"));
        let b = npy(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
            &[1.0],
        );
        assert!(parse_npy_f32(&b).unwrap_err().contains("data bytes"));
    }
}
