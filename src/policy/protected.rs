//! `settings.protected`: the paths a site protects, each with the verdict it wants for each kind
//! of change, stacked across layers; and safe-rm's lists, read when they exist, so a site that
//! already has them keeps them.
//!
//! ```yaml
//! settings:
//!   protected:
//!     - /opt/app/*                     # a bare path or glob: tree deny, delete deny, overwrite confirm, permissions confirm
//!     - { path: /srv/data, tree: deny, delete: confirm, overwrite: confirm, permissions: warn }
//!     - { path: "/srv/vm/*.img", overwrite: deny }
//! ```
//!
//! An entry is an absolute path or a glob (`*`, `?`, `[…]` within one component; one ending in
//! `/` names directories only). Its verdicts: `tree` for a recursive delete or a move-away of it
//! (or of a directory above it), `delete` for a plain delete, `overwrite` for writing over it or
//! replacing it (`dd of=`, `cp` onto, `truncate`, `shred`, `mv NEW PATH`), `permissions` for a
//! change of mode, owner, attributes or ACL (`chmod`, `chown`, `chattr`, `setfacl`). What an entry
//! leaves out is the bare entry's default ([`DEFAULTS`]) when it is new, and stays as it was when
//! an earlier layer has the same path.
//!
//! Layers stack (DESIGN decision 2): an entry with the path of an earlier one replaces the verdicts
//! it gives; a layer that is not a root-owned system layer may only add entries and make verdicts
//! stricter: a milder one is an error at its line. Where several entries name a path, the
//! strictest verdict of each kind wins (`facts::protected`), so adding an entry never loosens.
//!
//! safe-rm's files — `/etc/safe-rm.conf`, `/usr/local/etc/safe-rm.conf`, and (not in sudo mode)
//! `~/.config/safe-rm` and the legacy `~/.safe-rm` — hold one path or glob per line; blank lines
//! and `#` comments are skipped, and relative lines too (safe-rm compares them with absolute
//! paths, so they never match). Their entries mean "never delete": `tree` and `delete` become
//! `deny`, the other verdicts stay as they were (`allow` for a path no layer names). They only
//! ever tighten, so a user's own list is read as it is. safeop judges what a command does, not
//! which tool does it: a safe-rm entry holds against `mv`, `rsync --delete` and
//! `tar --remove-files` as well as `rm`.

use super::{locate, Policy, Trust, Verdict};
use crate::error::Error;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

/// The verdicts of a bare entry (`- /srv/data`): never delete it, ask before writing over it or
/// changing its permissions.
pub const DEFAULTS: [Verdict; 4] = [
    Verdict::Deny,
    Verdict::Deny,
    Verdict::Confirm,
    Verdict::Confirm,
];

/// The four kinds of change an entry gives a verdict for, in the order of [`Protected::verdicts`].
pub const KINDS: [&str; 4] = ["tree", "delete", "overwrite", "permissions"];

/// One entry as a layer writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct EntrySpec {
    pub path: String,
    /// `tree`, `delete`, `overwrite`, `permissions`, as given.
    pub verdicts: [Option<Verdict>; 4],
}

impl<'de> Deserialize<'de> for EntrySpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            path: String,
            #[serde(default)]
            tree: Option<Verdict>,
            #[serde(default)]
            delete: Option<Verdict>,
            #[serde(default)]
            overwrite: Option<Verdict>,
            #[serde(default)]
            permissions: Option<Verdict>,
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = EntrySpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a path, or `{ path: PATH, tree: …, delete: …, overwrite: …, permissions: … }`",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<EntrySpec, E> {
                Ok(EntrySpec {
                    path: v.to_string(),
                    verdicts: [None; 4],
                })
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<EntrySpec, A::Error> {
                let f = Full::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(EntrySpec {
                    path: f.path,
                    verdicts: [f.tree, f.delete, f.overwrite, f.permissions],
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// One protected entry in effect. The embedded default's borrow from its static table, so a
/// run that reads no layer allocates nothing for them.
#[derive(Debug, Clone, PartialEq)]
pub struct Protected {
    /// Absolute, no empty components, no trailing `/` (see `dir_only`).
    pub pattern: Cow<'static, str>,
    pub dir_only: bool,
    /// `tree`, `delete`, `overwrite`, `permissions` ([`KINDS`]).
    pub verdicts: [Verdict; 4],
    /// `FILE:LINE` of each layer or list that set or tightened it, in order, joined by `, `.
    pub from: Cow<'static, str>,
}

impl Protected {
    /// The pattern as written, with its `/` when it names directories only.
    pub fn shown(&self) -> String {
        if self.dir_only && self.pattern != "/" {
            format!("{}/", self.pattern)
        } else {
            self.pattern.to_string()
        }
    }

    fn add_origin(&mut self, origin: String) {
        self.from = Cow::Owned(format!("{}, {origin}", self.from));
    }
}

/// The embedded default's entries from their static table (`build.rs`): (path as written, the
/// verdicts it names, where it stands). Written normalized (a test checks that the YAML reads the
/// same), so each pattern is borrowed as it is.
pub(super) fn embedded(
    table: &'static [(&'static str, [Option<&str>; 4], &'static str)],
) -> Vec<Protected> {
    table
        .iter()
        .map(|(path, named, from)| {
            let dir_only = path.len() > 1 && path.ends_with('/');
            let mut verdicts = DEFAULTS;
            for (v, n) in verdicts.iter_mut().zip(named) {
                if let Some(x) = n.and_then(Verdict::from_name) {
                    *v = x;
                }
            }
            Protected {
                pattern: Cow::Borrowed(if dir_only {
                    &path[..path.len() - 1]
                } else {
                    path
                }),
                dir_only,
                verdicts,
                from: Cow::Borrowed(from),
            }
        })
        .collect()
}

/// `(pattern, dir_only)` of a path as written: absolute, `//` and a trailing `/` folded; `.`
/// and `..` are refused (an entry names a path as the machine resolves it).
pub fn normalize(path: &str) -> Result<(String, bool), String> {
    if !path.starts_with('/') {
        return Err(format!(
            "protected path `{path}` is not absolute (an entry names a path from `/`)"
        ));
    }
    let parts: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    if parts.iter().any(|c| *c == "." || *c == "..") {
        return Err(format!(
            "protected path `{path}` has `.` or `..` in it: write the path it means"
        ));
    }
    let dir_only = path.len() > 1 && path.ends_with('/');
    Ok((format!("/{}", parts.join("/")), dir_only))
}

impl Policy {
    /// Puts one layer's `settings.protected` on top ([module docs](self)). `origins` gives the
    /// `FILE:LINE` of each entry when the caller knows them (the embedded default's, from
    /// `build.rs`); otherwise each entry's line is found in `text`.
    pub(super) fn add_protected(
        &mut self,
        name: &str,
        text: &str,
        specs: Vec<EntrySpec>,
        trust: Trust,
        origins: Option<&[&str]>,
    ) -> Result<(), Error> {
        let mut from = text.find("protected:").unwrap_or(0);
        for (n, spec) in specs.into_iter().enumerate() {
            let known = origins.and_then(|o| o.get(n));
            let (line, col) = match known.and_then(|o| o.rsplit(':').next()?.parse().ok()) {
                Some(l) => (l, 0),
                None => {
                    let (l, c) = locate(text, &spec.path, from);
                    if let Some(i) = text[from.min(text.len())..].find(&spec.path) {
                        from += i + spec.path.len();
                    }
                    (l, c)
                }
            };
            let at = |m: String| Error::policy(name, line, col, m);
            let (pattern, dir_only) = normalize(&spec.path).map_err(at)?;
            let origin = format!("{name}:{line}");
            let existing = self
                .protected
                .iter_mut()
                .find(|p| p.pattern == pattern.as_str() && p.dir_only == dir_only);
            match existing {
                Some(old) => {
                    for (i, v) in spec.verdicts.iter().enumerate() {
                        let Some(v) = *v else { continue };
                        if trust == Trust::User && v < old.verdicts[i] {
                            return Err(at(format!(
                                "protected path `{}`: `{}: {}` is milder than the `{}` of {}: only a root-owned layer in /etc/safeop/ may loosen a protected path; this layer may add paths and make them stricter",
                                spec.path,
                                KINDS[i],
                                v.name(),
                                old.verdicts[i].name(),
                                old.from
                            )));
                        }
                        old.verdicts[i] = v;
                    }
                    old.add_origin(origin);
                }
                None => {
                    let mut verdicts = DEFAULTS;
                    for (i, v) in spec.verdicts.iter().enumerate() {
                        if let Some(v) = v {
                            verdicts[i] = *v;
                        }
                    }
                    self.protected.push(Protected {
                        pattern: Cow::Owned(pattern),
                        dir_only,
                        verdicts,
                        from: Cow::Owned(origin),
                    });
                }
            }
        }
        Ok(())
    }

    /// Reads safe-rm's lists that exist ([module docs](self)): each is recorded as a layer (the
    /// audit record names it with its hash). One that exists but cannot be read is an error, as
    /// an unreadable policy layer is; one this user cannot even see (in another user's home,
    /// when `HOME` was kept across `su`) is not there for it, as with the layers.
    pub fn with_safe_rm(mut self, strict: bool) -> Result<Policy, Error> {
        for path in safe_rm_files(strict) {
            if !path.exists() {
                continue;
            }
            let text = match std::fs::read(&path) {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    return Err(Error::Read {
                        path,
                        why: e.to_string(),
                    })
                }
            };
            let name = path.display().to_string();
            self.add_safe_rm(&name, &text);
            let trust = if is_system_list(&path) {
                Trust::System
            } else {
                Trust::User
            };
            self.layers.push((name.clone(), trust));
            self.layer_hashes
                .push(blake3::hash(text.as_bytes()).to_hex().to_string());
            self.safe_rm_lists.push(name);
        }
        Ok(self)
    }

    /// One safe-rm list's entries, merged as "never delete".
    pub fn add_safe_rm(&mut self, name: &str, text: &str) {
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Ok((pattern, dir_only)) = normalize(line) else {
                continue;
            };
            let origin = format!("{name}:{}", n + 1);
            let never = |v: &mut [Verdict; 4]| {
                v[0] = v[0].max(Verdict::Deny);
                v[1] = v[1].max(Verdict::Deny);
            };
            match self
                .protected
                .iter_mut()
                .find(|p| p.pattern == pattern.as_str() && p.dir_only == dir_only)
            {
                Some(old) => {
                    never(&mut old.verdicts);
                    old.add_origin(origin);
                }
                None => {
                    let mut verdicts = [Verdict::Allow; 4];
                    never(&mut verdicts);
                    self.protected.push(Protected {
                        pattern: Cow::Owned(pattern),
                        dir_only,
                        verdicts,
                        from: Cow::Owned(origin),
                    });
                }
            }
        }
    }

    /// The list in the form the `protected.*` facts read ([`crate::facts::protected`]).
    pub fn protected_for_facts(&self) -> std::rc::Rc<Vec<crate::facts::protected::Entry>> {
        std::rc::Rc::new(
            self.protected
                .iter()
                .map(|p| crate::facts::protected::Entry {
                    pattern: p.pattern.clone(),
                    dir_only: p.dir_only,
                    tree: p.verdicts[0].name(),
                    delete: p.verdicts[1].name(),
                    overwrite: p.verdicts[2].name(),
                    permissions: p.verdicts[3].name(),
                    from: p.from.clone(),
                })
                .collect(),
        )
    }
}

/// safe-rm's list files, in the order safe-rm reads them: the system ones, then (not in sudo
/// mode, where the caller's home is not to be trusted) the user's under `$HOME`.
pub fn safe_rm_files(strict: bool) -> Vec<PathBuf> {
    let mut out = vec![
        PathBuf::from("/etc/safe-rm.conf"),
        PathBuf::from("/usr/local/etc/safe-rm.conf"),
    ];
    if !strict {
        if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
            if home.is_absolute() {
                out.push(home.join(".config/safe-rm"));
                out.push(home.join(".safe-rm"));
            }
        }
    }
    out
}

/// Whether `path` is one of safe-rm's system lists (read as root's, like a system layer).
pub fn is_system_list(path: &Path) -> bool {
    path.starts_with("/etc") || path.starts_with("/usr/local/etc")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(p: &mut Policy, text: &str, trust: Trust) -> Result<(), Error> {
        p.add_layer_as("site.yaml", text, true, trust)
    }

    fn entry<'p>(p: &'p Policy, pattern: &str) -> &'p Protected {
        p.protected
            .iter()
            .find(|e| e.shown() == pattern)
            .unwrap_or_else(|| panic!("no entry {pattern}"))
    }

    #[test]
    fn bare_and_full_entries() {
        let mut p = Policy::default();
        layer(
            &mut p,
            "version: 1\nsettings:\n  protected:\n    - /opt/app/*\n    - { path: /srv/data/, tree: deny, delete: confirm, overwrite: warn }\n",
            Trust::System,
        )
        .expect("loads");
        assert_eq!(entry(&p, "/opt/app/*").verdicts, DEFAULTS);
        let e = entry(&p, "/srv/data/");
        assert!(e.dir_only);
        assert_eq!(
            e.verdicts,
            [
                Verdict::Deny,
                Verdict::Confirm,
                Verdict::Warn,
                Verdict::Confirm
            ]
        );
        assert_eq!(e.from, "site.yaml:5");
    }

    #[test]
    fn mistakes_are_errors_where_they_stand() {
        for (text, want) in [
            (
                "version: 1\nsettings:\n  protected:\n    - srv/data\n",
                "line 4",
            ),
            (
                "version: 1\nsettings:\n  protected:\n    - /srv/../etc\n",
                "`.` or `..`",
            ),
            (
                "version: 1\nsettings:\n  protected:\n    - { path: /srv, tre: deny }\n",
                "unknown field `tre`",
            ),
            (
                "version: 1\nsettings:\n  protected:\n    - { path: /srv, tree: confim }\n",
                "did you mean `confirm`",
            ),
            (
                "version: 1\nsettings:\n  protected:\n    - { tree: deny }\n",
                "missing field `path`",
            ),
            ("version: 1\nsettings:\n  protected: /srv\n", "line 3"),
        ] {
            let mut p = Policy::default();
            let e = layer(&mut p, text, Trust::User)
                .expect_err(text)
                .to_string();
            assert!(e.contains(want), "{text}\n→ {e}");
            assert!(e.starts_with("policy `site.yaml` line "), "{e}");
        }
    }

    #[test]
    fn a_user_layer_only_adds_and_tightens() {
        let base = "version: 1\nsettings:\n  protected:\n    - { path: /var/lib/mysql, tree: deny, delete: confirm, overwrite: confirm, permissions: confirm }\n";
        let mut p = Policy::default();
        layer(&mut p, base, Trust::System).expect("base");
        // tighter, and a new entry however mild: fine
        layer(
            &mut p,
            "version: 1\nsettings:\n  protected:\n    - { path: /var/lib/mysql, delete: deny }\n    - { path: /srv/scratch, tree: warn }\n",
            Trust::User,
        )
        .expect("tightens");
        let e = entry(&p, "/var/lib/mysql");
        assert_eq!(e.verdicts[1], Verdict::Deny);
        assert_eq!(e.verdicts[0], Verdict::Deny, "left out: stays as it was");
        assert_eq!(e.from, "site.yaml:4, site.yaml:4", "each layer that set it");
        // milder: an error naming the entry and where the stricter one came from
        let mut q = p.clone();
        let err = layer(
            &mut q,
            "version: 1\nsettings:\n  protected:\n    - { path: /var/lib/mysql/, tree: deny }\n    - { path: /var/lib/mysql, tree: confirm }\n",
            Trust::User,
        )
        .expect_err("loosens")
        .to_string();
        assert!(err.contains("line 5"), "{err}");
        assert!(
            err.contains("`tree: confirm` is milder than the `deny` of site.yaml:4"),
            "{err}"
        );
        // a bare string over an entry with a stricter verdict loosens nothing it does not name
        let mut q = p.clone();
        layer(
            &mut q,
            "version: 1\nsettings:\n  protected:\n    - /var/lib/mysql\n",
            Trust::User,
        )
        .expect("a bare path names no verdict");
        // a system layer may loosen, down to allow (which is how it takes an entry out)
        layer(
            &mut p,
            "version: 1\nsettings:\n  protected:\n    - { path: /var/lib/mysql, tree: allow, delete: allow, overwrite: allow, permissions: allow }\n",
            Trust::System,
        )
        .expect("system layer");
        assert_eq!(entry(&p, "/var/lib/mysql").verdicts, [Verdict::Allow; 4]);
    }

    #[test]
    fn safe_rm_lists_mean_never_delete() {
        let mut p = Policy::default();
        layer(
            &mut p,
            "version: 1\nsettings:\n  protected:\n    - { path: /srv/data, tree: confirm, delete: warn, overwrite: deny }\n",
            Trust::System,
        )
        .expect("loads");
        p.add_safe_rm(
            "/etc/safe-rm.conf",
            "# site list\n\n/srv/data\n  /home/*/Documents  \nrelative/path\n/srv/keep/\n",
        );
        let e = entry(&p, "/srv/data");
        assert_eq!(
            e.verdicts,
            [
                Verdict::Deny,
                Verdict::Deny,
                Verdict::Deny,
                Verdict::Confirm
            ]
        );
        assert_eq!(e.from, "site.yaml:4, /etc/safe-rm.conf:3");
        let d = entry(&p, "/home/*/Documents");
        assert_eq!(
            d.verdicts,
            [Verdict::Deny, Verdict::Deny, Verdict::Allow, Verdict::Allow]
        );
        assert_eq!(d.from, "/etc/safe-rm.conf:4");
        assert!(entry(&p, "/srv/keep/").dir_only);
        assert!(!p.protected.iter().any(|e| e.pattern.contains("relative")));
    }

    #[test]
    fn normalize_folds_slashes() {
        assert_eq!(normalize("/srv//data/"), Ok(("/srv/data".into(), true)));
        assert_eq!(normalize("/"), Ok(("/".into(), false)));
        assert!(normalize("~/x").is_err());
    }
}
