//! The Protocol Buffers wire format, as far as rewriting an ONNX file needs: a message is read as a list of
//! fields (number, value, and the field's own bytes), so the parts kefu does not interpret are written back
//! byte for byte.

/// One field's value.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
}

/// One field of a message.
#[derive(Debug, Clone, Copy)]
pub struct Field<'a> {
    pub number: u32,
    pub value: Value<'a>,
    /// The whole field as encoded (key included).
    pub raw: &'a [u8],
}

impl<'a> Field<'a> {
    /// The payload of a length-delimited field (string, bytes, sub-message, packed scalars).
    pub fn bytes(&self) -> Result<&'a [u8], String> {
        match self.value {
            Value::Bytes(b) => Ok(b),
            _ => Err(format!("field {} is not length-delimited", self.number)),
        }
    }

    /// A string field.
    pub fn string(&self) -> Result<&'a str, String> {
        std::str::from_utf8(self.bytes()?)
            .map_err(|_| format!("field {} is not UTF-8 text", self.number))
    }

    /// An integer field (varint).
    pub fn varint(&self) -> Result<u64, String> {
        match self.value {
            Value::Varint(v) => Ok(v),
            _ => Err(format!("field {} is not a varint", self.number)),
        }
    }
}

/// The fields of the message `buf`, in order.
pub fn fields(buf: &[u8]) -> Result<Vec<Field<'_>>, String> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        let start = pos;
        let key = varint(buf, &mut pos)?;
        let number = u32::try_from(key >> 3).map_err(|_| "field number out of range")?;
        let value = match key & 7 {
            0 => Value::Varint(varint(buf, &mut pos)?),
            1 => Value::Fixed64(u64::from_le_bytes(
                take(buf, &mut pos, 8)?
                    .try_into()
                    .map_err(|_| "truncated fixed64")?,
            )),
            2 => {
                let len = usize::try_from(varint(buf, &mut pos)?).map_err(|_| "length overflow")?;
                Value::Bytes(take(buf, &mut pos, len)?)
            }
            5 => Value::Fixed32(u32::from_le_bytes(
                take(buf, &mut pos, 4)?
                    .try_into()
                    .map_err(|_| "truncated fixed32")?,
            )),
            other => return Err(format!("unsupported wire type {other} at byte {start}")),
        };
        out.push(Field {
            number,
            value,
            raw: &buf[start..pos],
        });
    }
    Ok(out)
}

/// Reads the values of a repeated varint field (packed or not) from its fields.
pub fn repeated_varints(fields: &[Field<'_>], number: u32) -> Result<Vec<u64>, String> {
    let mut out = Vec::new();
    for f in fields.iter().filter(|f| f.number == number) {
        match f.value {
            Value::Varint(v) => out.push(v),
            Value::Bytes(b) => {
                let mut pos = 0;
                while pos < b.len() {
                    out.push(varint(b, &mut pos)?);
                }
            }
            _ => return Err(format!("field {number} is not a varint")),
        }
    }
    Ok(out)
}

/// Reads the values of a repeated fixed32 field (packed or not) from its fields.
pub fn repeated_fixed32(fields: &[Field<'_>], number: u32) -> Result<Vec<u32>, String> {
    let mut out = Vec::new();
    for f in fields.iter().filter(|f| f.number == number) {
        match f.value {
            Value::Fixed32(v) => out.push(v),
            Value::Bytes(b) if b.len() % 4 == 0 => out.extend(
                b.chunks_exact(4)
                    .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            ),
            _ => return Err(format!("field {number} is not a fixed32")),
        }
    }
    Ok(out)
}

/// Appends a varint field.
pub fn put_varint_field(out: &mut Vec<u8>, number: u32, value: u64) {
    put_varint(out, u64::from(number) << 3);
    put_varint(out, value);
}

/// Appends a length-delimited field.
pub fn put_bytes_field(out: &mut Vec<u8>, number: u32, bytes: &[u8]) {
    put_varint(out, (u64::from(number) << 3) | 2);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn varint(buf: &[u8], pos: &mut usize) -> Result<u64, String> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *buf.get(*pos).ok_or("truncated varint")?;
        *pos += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err("varint longer than 10 bytes".into())
}

fn take<'a>(buf: &'a [u8], pos: &mut usize, len: usize) -> Result<&'a [u8], String> {
    let end = pos
        .checked_add(len)
        .filter(|&e| e <= buf.len())
        .ok_or_else(|| {
            format!(
                "field of {len} bytes runs past the end of the message at byte {}",
                *pos
            )
        })?;
    let bytes = &buf[*pos..end];
    *pos = end;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_fields_read_back_with_their_raw_bytes() {
        let mut msg = Vec::new();
        put_varint_field(&mut msg, 2, 300);
        put_bytes_field(&mut msg, 8, b"weight");
        put_varint_field(&mut msg, 1, 7);
        put_varint_field(&mut msg, 1, 9);
        let f = fields(&msg).unwrap();
        assert_eq!(f.len(), 4);
        assert_eq!(f[0].varint().unwrap(), 300);
        assert_eq!(f[1].string().unwrap(), "weight");
        assert_eq!(repeated_varints(&f, 1).unwrap(), vec![7, 9]);
        let joined: Vec<u8> = f.iter().flat_map(|f| f.raw.iter().copied()).collect();
        assert_eq!(joined, msg);
    }

    #[test]
    fn packed_values_and_truncation() {
        let mut msg = Vec::new();
        put_bytes_field(&mut msg, 1, &[1, 0x96, 0x01]);
        let floats: Vec<u8> = [1.5f32, -2.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        put_bytes_field(&mut msg, 4, &floats);
        let f = fields(&msg).unwrap();
        assert_eq!(repeated_varints(&f, 1).unwrap(), vec![1, 150]);
        let values = repeated_fixed32(&f, 4).unwrap();
        assert_eq!(f32::from_bits(values[1]), -2.0);
        assert!(fields(&msg[..msg.len() - 1]).is_err());
    }
}
