//! A small element tree over quick-xml, used by the ClaML and ICD-10-CM readers. Both files are
//! at most tens of MB, so a tree keeps the format logic readable; every node remembers its line
//! so errors can point at it. Malformed XML is reported with file and line.

use crate::{Error, Result};
use quick_xml::Reader;
use quick_xml::events::Event;

/// Element or text inside an element, in document order.
#[derive(Debug, Clone)]
pub enum Content {
    /// A child element.
    Elem(Node),
    /// Character data (entities resolved).
    Text(String),
}

/// An XML element.
#[derive(Debug, Clone, Default)]
pub struct Node {
    /// Local name.
    pub name: String,
    /// Attributes in document order (unescaped).
    pub attrs: Vec<(String, String)>,
    /// Children and text in document order.
    pub content: Vec<Content>,
    /// 1-based line of the start tag.
    pub line: u64,
}

impl Node {
    /// Attribute value by name.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Child elements.
    pub fn children(&self) -> impl Iterator<Item = &Node> {
        self.content.iter().filter_map(|c| match c {
            Content::Elem(n) => Some(n),
            Content::Text(_) => None,
        })
    }

    /// Child elements with a given name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children().filter(move |n| n.name == name)
    }

    /// First child with a given name.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children().find(|n| n.name == name)
    }

    /// All text below this node in document order, whitespace collapsed.
    pub fn text(&self) -> String {
        let mut s = String::new();
        collect(self, &mut s);
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

fn collect(n: &Node, out: &mut String) {
    for c in &n.content {
        match c {
            Content::Text(t) => out.push_str(t),
            Content::Elem(e) => collect(e, out),
        }
    }
}

fn line_at(text: &str, pos: u64) -> u64 {
    let end = (pos as usize).min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u64
        + 1
}

/// Parses a whole document; returns the root element.
pub fn parse(file: &str, text: &str) -> Result<Node> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Node> = vec![Node::default()];
    // Newline counting is incremental so large files stay linear.
    let (mut last_pos, mut last_line) = (0u64, 1u64);
    let mut line_of = |pos: u64| {
        if pos >= last_pos {
            last_line += text.as_bytes()[last_pos as usize..pos as usize]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64;
            last_pos = pos;
        }
        last_line
    };
    loop {
        let pos = reader.buffer_position();
        let ev = reader.read_event().map_err(|e| {
            Error::line(
                file,
                line_at(text, reader.error_position()),
                format!("malformed XML: {e}"),
            )
        })?;
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let mut node = Node {
                    name: e.local_name().as_ref().to_string(),
                    line: line_of(pos),
                    ..Default::default()
                };
                for a in e.attributes() {
                    let a = a.map_err(|err| {
                        Error::line(
                            file,
                            line_at(text, pos),
                            format!("malformed attribute: {err}"),
                        )
                    })?;
                    let v = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|err| {
                            Error::line(
                                file,
                                line_at(text, pos),
                                format!("bad attribute value: {err}"),
                            )
                        })?;
                    node.attrs
                        .push((a.key.local_name().as_ref().to_string(), v.to_string()));
                }
                stack.push(node);
                if matches!(ev, Event::Empty(_)) {
                    close(&mut stack);
                }
            }
            Event::End(_) => close(&mut stack),
            Event::Text(t) => push_text(&mut stack, &t.xml10_content()),
            Event::CData(t) => push_text(&mut stack, &t.xml10_content()),
            Event::GeneralRef(r) => {
                let s = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => match quick_xml::escape::resolve_predefined_entity(&r) {
                        Some(s) => s.to_string(),
                        None => {
                            return Err(Error::line(
                                file,
                                line_at(text, pos),
                                format!("unknown entity &{};", &*r),
                            ));
                        }
                    },
                };
                push_text(&mut stack, &s);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        return Err(Error::line(
            file,
            line_at(text, text.len() as u64),
            "unexpected end of XML: unclosed elements (truncated file?)",
        ));
    }
    let root = stack.pop().unwrap_or_default();
    root.children()
        .next()
        .cloned()
        .ok_or_else(|| Error::file(file, "no root element"))
}

fn close(stack: &mut Vec<Node>) {
    if stack.len() > 1 {
        let node = stack.pop().unwrap_or_default();
        if let Some(parent) = stack.last_mut() {
            parent.content.push(Content::Elem(node));
        }
    }
}

fn push_text(stack: &mut [Node], s: &str) {
    if let Some(top) = stack.last_mut() {
        match top.content.last_mut() {
            Some(Content::Text(t)) => t.push_str(s),
            _ => top.content.push(Content::Text(s.to_string())),
        }
    }
}
