//! Tar archives, read without extracting: compression told by magic bytes, then a walk over the
//! 512-byte headers. For an uncompressed archive in a regular file the data of each member is
//! skipped with a seek, never read; a compressed stream has to be decompressed to be walked.
//!
//! Not entries: pax extended headers (`x`, `g`), GNU long name/link headers (`L`, `K`), volume
//! labels (`V`), continuations (`M`). They carry metadata for the next header (the long name, a
//! pax `path=`/`size=`) and are applied to it. Old GNU sparse members (`S`) may have extension
//! headers before their data; they are stepped over.

use super::EntryKind;
use std::io::{self, BufRead, BufReader, Read, Seek};

/// How an archive is compressed, told from its first bytes (never from its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
    Xz,
    Bzip2,
}

impl Compression {
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "uncompressed",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Xz => "xz",
            Compression::Bzip2 => "bzip2",
        }
    }
}

/// Tells the compression from the first bytes. Formats safeop cannot read are an error naming
/// them; anything else is taken as a plain tar (its header checksum decides later).
pub fn sniff(head: &[u8]) -> Result<Compression, String> {
    let known: &[(&[u8], Result<Compression, &str>)] = &[
        (&[0x1f, 0x8b], Ok(Compression::Gzip)),
        (&[0x28, 0xb5, 0x2f, 0xfd], Ok(Compression::Zstd)),
        (&[0xfd, b'7', b'z', b'X', b'Z', 0x00], Ok(Compression::Xz)),
        (b"BZh", Ok(Compression::Bzip2)),
        (b"LZIP", Err("lzip")),
        (&[0x1f, 0x9d], Err("compress (.Z)")),
        (&[0x04, 0x22, 0x4d, 0x18], Err("lz4")),
        (&[0x89, b'L', b'Z', b'O'], Err("lzop")),
        (&[0x5d, 0x00, 0x00], Err("lzma")),
    ];
    for (magic, what) in known {
        if head.starts_with(magic) {
            return what.map_err(|w| format!("compressed with {w}, which safeop cannot read"));
        }
    }
    Ok(Compression::None)
}

/// One member that a restore creates.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The member's name as stored (pax `path` or GNU long name applied).
    pub path: String,
    pub kind: EntryKind,
    /// Data size (pax `size` applied).
    pub size: u64,
    /// Length of a symlink's target (long targets take a data block on most filesystems).
    pub link_len: usize,
}

/// Where headers are read from: a seekable file (data skipped by seeking) or a stream.
pub trait Input {
    /// Reads up to 512 bytes; fewer only at the end.
    fn block(&mut self, buf: &mut [u8; 512]) -> io::Result<usize>;
    /// Skips `n` bytes; `false` when the input ends first.
    fn skip(&mut self, n: u64) -> io::Result<bool>;
    /// Bytes consumed so far (for messages).
    fn pos(&self) -> u64;
}

/// A regular file: member data is stepped over with `seek_relative`, never read.
pub struct FileInput {
    r: BufReader<std::fs::File>,
    pos: u64,
    len: u64,
}

impl FileInput {
    pub fn new(file: std::fs::File, len: u64) -> FileInput {
        FileInput {
            r: BufReader::with_capacity(16 * 1024, file),
            pos: 0,
            len,
        }
    }
}

fn fill<R: Read>(r: &mut R, buf: &mut [u8; 512]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

impl Input for FileInput {
    fn block(&mut self, buf: &mut [u8; 512]) -> io::Result<usize> {
        let n = fill(&mut self.r, buf)?;
        self.pos += n as u64;
        Ok(n)
    }
    fn skip(&mut self, n: u64) -> io::Result<bool> {
        if self.pos.saturating_add(n) > self.len {
            return Ok(false);
        }
        let off = i64::try_from(n).map_err(|_| io::Error::other("member too large"))?;
        self.r.seek_relative(off)?;
        self.pos += n;
        Ok(true)
    }
    fn pos(&self) -> u64 {
        self.pos
    }
}

/// A decompressed stream: data is read and dropped without copying.
pub struct StreamInput<R: Read> {
    r: BufReader<R>,
    pos: u64,
}

impl<R: Read> StreamInput<R> {
    pub fn new(r: R) -> StreamInput<R> {
        StreamInput {
            r: BufReader::with_capacity(128 * 1024, r),
            pos: 0,
        }
    }
}

impl<R: Read> Input for StreamInput<R> {
    fn block(&mut self, buf: &mut [u8; 512]) -> io::Result<usize> {
        let n = fill(&mut self.r, buf)?;
        self.pos += n as u64;
        Ok(n)
    }
    fn skip(&mut self, mut n: u64) -> io::Result<bool> {
        while n > 0 {
            let avail = self.r.fill_buf()?.len();
            if avail == 0 {
                return Ok(false);
            }
            let k = avail.min(usize::try_from(n).unwrap_or(usize::MAX));
            self.r.consume(k);
            self.pos += k as u64;
            n -= k as u64;
        }
        Ok(true)
    }
    fn pos(&self) -> u64 {
        self.pos
    }
}

/// A numeric header field: octal text, or GNU base-256 when the high bit of the first byte is set.
pub fn number(field: &[u8]) -> Option<u64> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        if field[0] & 0x40 != 0 {
            return None; // negative
        }
        let mut v: u64 = u64::from(field[0] & 0x3f);
        for b in &field[1..] {
            v = v.checked_mul(256)?.checked_add(u64::from(*b))?;
        }
        return Some(v);
    }
    // Octal digits, optionally surrounded by spaces, ended by NUL or space.
    let mut v: u64 = 0;
    let mut digits = false;
    for &b in field {
        match b {
            b'0'..=b'7' => {
                v = v.checked_mul(8)?.checked_add(u64::from(b - b'0'))?;
                digits = true;
            }
            b' ' if !digits => {}
            b' ' | 0 => break,
            _ => return None,
        }
    }
    Some(v)
}

/// Whether the header checksum holds (unsigned sum, or the historic signed sum).
pub fn checksum_ok(h: &[u8; 512]) -> bool {
    let Some(want) = number(&h[148..156]) else {
        return false;
    };
    let field: u64 = h[148..156].iter().map(|b| u64::from(*b)).sum();
    let unsigned = h.iter().map(|b| u64::from(*b)).sum::<u64>() - field + 8 * u64::from(b' ');
    if want == unsigned {
        return true;
    }
    let sfield: i64 = h[148..156].iter().map(|b| i64::from(*b as i8)).sum();
    let signed = h.iter().map(|b| i64::from(*b as i8)).sum::<i64>() - sfield + 8 * i64::from(b' ');
    i64::try_from(want).is_ok_and(|w| w == signed)
}

/// Length of a NUL-terminated field.
fn clen(field: &[u8]) -> usize {
    field.iter().position(|b| *b == 0).unwrap_or(field.len())
}

/// A NUL-terminated name, kept byte for byte (encoded: `text::bytes`).
fn cstr(field: &[u8]) -> String {
    let end = field.iter().position(|b| *b == 0).unwrap_or(field.len());
    crate::text::bytes::encode_bytes(&field[..end]).into_owned()
}

/// The name stored in a ustar header (POSIX `prefix` joined when present).
fn header_name(h: &[u8; 512]) -> String {
    let name = cstr(&h[0..100]);
    if &h[257..263] == b"ustar\0" {
        let prefix = cstr(&h[345..500]);
        if !prefix.is_empty() {
            return format!("{prefix}/{name}");
        }
    }
    name
}

fn kind_of(flag: u8) -> EntryKind {
    match flag {
        b'1' => EntryKind::HardLink,
        b'2' => EntryKind::Symlink,
        b'3' | b'4' => EntryKind::Device,
        b'5' | b'D' => EntryKind::Dir,
        b'6' => EntryKind::Fifo,
        // '0', NUL, '7' (contiguous), 'S' (sparse) and unknown types extract as regular files.
        _ => EntryKind::File,
    }
}

/// pax records: `LEN key=value\n`, LEN counting the whole record.
pub fn pax_records(data: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let Some(sp) = rest.iter().position(|b| *b == b' ') else {
            break;
        };
        let Some(len) = std::str::from_utf8(&rest[..sp])
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
        else {
            break;
        };
        if len <= sp + 1 || len > rest.len() {
            break;
        }
        let rec = &rest[sp + 1..len];
        let rec = rec.strip_suffix(b"\n").unwrap_or(rec);
        if let Some(eq) = rec.iter().position(|b| *b == b'=') {
            out.push((
                String::from_utf8_lossy(&rec[..eq]).into_owned(),
                // `path=`/`linkpath=` may be raw bytes (GNU tar's `hdrcharset=BINARY`).
                crate::text::bytes::encode_bytes(&rec[eq + 1..]).into_owned(),
            ));
        }
        rest = &rest[len..];
    }
    out
}

const META_LIMIT: u64 = 16 << 20;

fn padded(n: u64) -> u64 {
    n.div_ceil(512).saturating_mul(512)
}

/// Walks every header, calling `on` for each member that a restore would create. Returns the
/// number of members. Errors say where (byte offset) and what.
pub fn walk(input: &mut dyn Input, on: &mut dyn FnMut(&Entry)) -> Result<u64, String> {
    let mut h = [0u8; 512];
    let mut next_path: Option<String> = None;
    let mut next_link: Option<usize> = None;
    let mut next_size: Option<u64> = None;
    let mut count = 0u64;
    let truncated =
        |pos: u64| format!("truncated: the archive ends inside a member (at byte {pos})");
    loop {
        let at = input.pos();
        let n = input
            .block(&mut h)
            .map_err(|e| format!("read error at byte {at}: {e}"))?;
        if n == 0 {
            if at == 0 {
                return Err("empty file, not a tar archive".into());
            }
            break;
        }
        if n < 512 {
            return Err(truncated(at + n as u64));
        }
        if h.iter().all(|b| *b == 0) {
            break;
        }
        if !checksum_ok(&h) {
            return Err(if at == 0 {
                "not a tar archive (no valid tar header at the start)".to_string()
            } else {
                format!("corrupt tar header at byte {at} (checksum mismatch)")
            });
        }
        let flag = h[156];
        let size = number(&h[124..136])
            .ok_or_else(|| format!("corrupt size field in the header at byte {at}"))?;
        match flag {
            b'x' | b'g' | b'L' | b'K' => {
                if size > META_LIMIT {
                    return Err(format!(
                        "implausibly large metadata header ({size} bytes) at byte {at}"
                    ));
                }
                let mut data = vec![0u8; usize::try_from(padded(size)).unwrap_or(0)];
                for chunk in data.chunks_mut(512) {
                    let mut b = [0u8; 512];
                    if input.block(&mut b).map_err(|e| e.to_string())? < 512 {
                        return Err(truncated(input.pos()));
                    }
                    chunk.copy_from_slice(&b[..chunk.len()]);
                }
                data.truncate(usize::try_from(size).unwrap_or(0));
                match flag {
                    b'x' => {
                        for (k, v) in pax_records(&data) {
                            match k.as_str() {
                                "path" => next_path = Some(v),
                                "linkpath" => next_link = Some(v.len()),
                                "size" => next_size = v.parse().ok(),
                                _ => {}
                            }
                        }
                    }
                    b'L' => next_path = Some(cstr(&data)),
                    b'K' => next_link = Some(cstr(&data).len()),
                    _ => {}
                }
                continue;
            }
            b'V' | b'M' | b'N' => {
                if !input.skip(padded(size)).map_err(|e| e.to_string())? {
                    return Err(truncated(input.pos()));
                }
                continue;
            }
            _ => {}
        }
        if flag == b'S' && h[482] != 0 {
            // Old GNU sparse: extension headers follow until one says "no more".
            loop {
                let mut ext = [0u8; 512];
                if input.block(&mut ext).map_err(|e| e.to_string())? < 512 {
                    return Err(truncated(input.pos()));
                }
                if ext[504] == 0 {
                    break;
                }
            }
        }
        let size = next_size.take().unwrap_or(size);
        let entry = Entry {
            path: next_path.take().unwrap_or_else(|| header_name(&h)),
            kind: kind_of(flag),
            size,
            link_len: next_link.take().unwrap_or_else(|| clen(&h[157..257])),
        };
        on(&entry);
        count += 1;
        if !input.skip(padded(size)).map_err(|e| e.to_string())? {
            return Err(truncated(input.pos()));
        }
    }
    Ok(count)
}

/// Opens an archive file, tells its compression and walks it.
pub fn walk_file(
    path: &std::path::Path,
    on: &mut dyn FnMut(&Entry),
) -> Result<(u64, Compression), String> {
    let name = crate::text::bytes::show_path(path);
    let mut f = std::fs::File::open(path).map_err(|e| format!("cannot open `{name}`: {e}"))?;
    let len = f
        .metadata()
        .map_err(|e| format!("cannot stat `{name}`: {e}"))?
        .len();
    let mut head = [0u8; 8];
    let got = fill_small(&mut f, &mut head).map_err(|e| format!("cannot read `{name}`: {e}"))?;
    let comp = sniff(&head[..got]).map_err(|e| format!("`{name}` is {e}"))?;
    f.rewind()
        .map_err(|e| format!("cannot read `{name}`: {e}"))?;
    let at = |e: String| format!("`{name}` ({}): {e}", comp.name());
    let n = match comp {
        Compression::None => walk(&mut FileInput::new(f, len), on),
        Compression::Gzip => walk(
            &mut StreamInput::new(flate2::read::MultiGzDecoder::new(f)),
            on,
        ),
        Compression::Zstd => {
            let d = zstd::stream::read::Decoder::new(f).map_err(|e| at(e.to_string()))?;
            walk(&mut StreamInput::new(d), on)
        }
        Compression::Xz => walk(
            &mut StreamInput::new(liblzma::read::XzDecoder::new_multi_decoder(f)),
            on,
        ),
        Compression::Bzip2 => walk(
            &mut StreamInput::new(bzip2::read::MultiBzDecoder::new(f)),
            on,
        ),
    }
    .map_err(at)?;
    Ok((n, comp))
}

fn fill_small(f: &mut std::fs::File, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match f.read(&mut buf[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds one ustar header block.
    fn header(name: &str, flag: u8, size: u64, link: &str) -> [u8; 512] {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..107].copy_from_slice(b"0000644");
        h[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
        h[156] = flag;
        h[157..157 + link.len()].copy_from_slice(link.as_bytes());
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u64 = h.iter().map(|b| u64::from(*b)).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        h
    }

    fn member(out: &mut Vec<u8>, name: &str, flag: u8, data: &[u8], link: &str) {
        out.extend_from_slice(&header(name, flag, data.len() as u64, link));
        out.extend_from_slice(data);
        out.resize(padded(out.len() as u64) as usize, 0);
    }

    fn pax(out: &mut Vec<u8>, recs: &[(&str, &str)]) {
        let mut data = Vec::new();
        for (k, v) in recs {
            let base = k.len() + v.len() + 3;
            let mut digits = 1;
            while (base + digits).to_string().len() != digits {
                digits += 1;
            }
            data.extend_from_slice(format!("{} {k}={v}\n", base + digits).as_bytes());
        }
        member(out, "PaxHeaders/x", b'x', &data, "");
    }

    fn entries(bytes: &[u8]) -> Result<Vec<Entry>, String> {
        let mut got = Vec::new();
        walk(&mut StreamInput::new(bytes), &mut |e| got.push(e.clone()))?;
        Ok(got)
    }

    fn sample() -> Vec<u8> {
        let mut a = Vec::new();
        member(&mut a, "src/", b'5', b"", "");
        member(&mut a, "src/f", b'0', &[7u8; 700], "");
        member(&mut a, "src/h", b'1', b"", "src/f");
        member(&mut a, "src/l", b'2', b"", "f");
        member(&mut a, "src/p", b'6', b"", "");
        member(&mut a, "././@LongLink", b'L', b"src/a-very-long-name\0", "");
        member(&mut a, "src/a-very-lo", b'0', b"hi", "");
        pax(&mut a, &[("path", "src/pax name"), ("size", "3")]);
        member(&mut a, "src/trunc", b'0', b"abc", "");
        member(&mut a, "@PaxGlobal", b'g', b"9 a=bcde\n", "");
        member(&mut a, "src/c", b'3', b"", "");
        a.extend_from_slice(&[0u8; 1024]);
        a
    }

    #[test]
    fn walks_types_and_metadata_headers() {
        let got = entries(&sample()).expect("walks");
        let names: Vec<(&str, EntryKind)> = got.iter().map(|e| (e.path.as_str(), e.kind)).collect();
        assert_eq!(
            names,
            vec![
                ("src/", EntryKind::Dir),
                ("src/f", EntryKind::File),
                ("src/h", EntryKind::HardLink),
                ("src/l", EntryKind::Symlink),
                ("src/p", EntryKind::Fifo),
                ("src/a-very-long-name", EntryKind::File),
                ("src/pax name", EntryKind::File),
                ("src/c", EntryKind::Device),
            ]
        );
        assert_eq!(got[1].size, 700);
        assert_eq!(got[6].size, 3);
    }

    #[test]
    fn member_names_that_are_not_utf8_keep_their_bytes() {
        let mut a = Vec::new();
        member(&mut a, "././@LongLink", b'L', b"src/\xff\0", "");
        member(&mut a, "src/x", b'0', b"", "");
        member(&mut a, "PaxHeaders/x", b'x', b"14 path=src/\xfe\n", "");
        member(&mut a, "src/y", b'0', b"", "");
        a.extend_from_slice(&[0u8; 1024]);
        let got = entries(&a).expect("walks");
        let names: Vec<Vec<u8>> = got
            .iter()
            .map(|e| crate::text::bytes::decode_bytes(&e.path).into_owned())
            .collect();
        assert_eq!(names, [b"src/\xff".to_vec(), b"src/\xfe".to_vec()]);
    }

    #[test]
    fn seeking_and_streaming_agree() {
        let a = sample();
        let d = tempfile::tempdir().expect("tempdir");
        let p = d.path().join("a.tar");
        std::fs::write(&p, &a).expect("write");
        let mut seen = 0;
        let (n, comp) = walk_file(&p, &mut |_| seen += 1).expect("walks");
        assert_eq!((n, seen, comp), (8, 8, Compression::None));
    }

    #[test]
    fn truncated_and_corrupt_archives_are_errors() {
        let a = sample();
        let e = entries(&a[..1024 + 300]).expect_err("truncated in data");
        assert!(e.contains("truncated"), "{e}");
        let e = entries(&a[..700]).expect_err("truncated in a header");
        assert!(e.contains("truncated"), "{e}");
        let mut bad = a.clone();
        bad[512 * 4 + 10] ^= 0x55; // inside the header of src/h
        let e = entries(&bad).expect_err("corrupt");
        assert!(e.contains("corrupt tar header at byte"), "{e}");
        let e = entries(b"hello, this is not a tar archive at all").expect_err("not tar");
        assert!(e.contains("truncated") || e.contains("not a tar"), "{e}");
        let e = entries(&[b'x'; 1024]).expect_err("not tar");
        assert!(e.contains("not a tar archive"), "{e}");
    }

    #[test]
    fn sniffs_magic_not_names() {
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0]), Ok(Compression::Gzip));
        assert_eq!(sniff(&[0x28, 0xb5, 0x2f, 0xfd, 0]), Ok(Compression::Zstd));
        assert_eq!(
            sniff(&[0xfd, b'7', b'z', b'X', b'Z', 0, 0]),
            Ok(Compression::Xz)
        );
        assert_eq!(sniff(b"BZh91AY"), Ok(Compression::Bzip2));
        assert_eq!(sniff(b"src/\0\0\0\0"), Ok(Compression::None));
        assert!(sniff(b"LZIP\x01").expect_err("lzip").contains("lzip"));
    }

    #[test]
    fn numbers_octal_and_base256() {
        assert_eq!(number(b"00000001750\0"), Some(1000));
        assert_eq!(number(b"     12 \0"), Some(10));
        let mut big = [0u8; 12];
        big[0] = 0x80;
        big[7] = 0x02; // 2 * 256^4
        assert_eq!(number(&big), Some(2 << 32));
        assert_eq!(number(b"zz\0"), None);
    }

    #[test]
    fn pax_records_parse() {
        let r = pax_records(b"26 path=a/b c/with=equals\n10 size=3\n");
        assert_eq!(
            r,
            vec![
                ("path".into(), "a/b c/with=equals".into()),
                ("size".into(), "3".into())
            ]
        );
    }
}

#[cfg(test)]
mod gnu_tar_fixtures {
    //! Archives written by GNU tar 1.34 (`tests/fixtures/restore/make.sh`): 13 entries, two of
    //! them hard links, one name longer than 100 bytes.
    use super::*;

    fn fixture(name: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/restore")
            .join(name)
    }

    fn kinds(name: &str) -> (Vec<Entry>, Compression) {
        let mut got = Vec::new();
        let (n, comp) = walk_file(&fixture(name), &mut |e| got.push(e.clone()))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(n as usize, got.len());
        (got, comp)
    }

    #[test]
    fn every_format_and_compression_gives_the_same_members() {
        let (gnu, c) = kinds("gnu.tar");
        assert_eq!(c, Compression::None);
        assert_eq!(gnu.len(), 13);
        assert_eq!(
            gnu.iter().filter(|e| e.kind == EntryKind::HardLink).count(),
            2
        );
        assert_eq!(gnu.iter().filter(|e| e.kind == EntryKind::Dir).count(), 4);
        assert!(
            gnu.iter()
                .any(|e| e.path.len() > 100 && e.path.ends_with("long-name-header.txt")),
            "GNU long name applied"
        );
        let names = |v: &[Entry]| {
            v.iter()
                .map(|e| (e.path.trim_end_matches('/').to_string(), e.kind, e.size))
                .collect::<Vec<_>>()
        };
        for (file, want) in [
            ("pax.tar", Compression::None),
            ("gnu.tar.gz", Compression::Gzip),
            ("gnu-really-zstd.tar.gz", Compression::Zstd),
            ("gnu.tar.xz", Compression::Xz),
            ("gnu.tar.bz2", Compression::Bzip2),
        ] {
            let (got, c) = kinds(file);
            assert_eq!(c, want, "{file}");
            assert_eq!(names(&got), names(&gnu), "{file}");
        }
    }

    #[test]
    fn a_truncated_archive_is_an_error_naming_it() {
        let e = walk_file(&fixture("truncated.tar"), &mut |_| {}).expect_err("truncated");
        assert!(
            e.contains("truncated.tar") && e.contains("truncated"),
            "{e}"
        );
    }
}
