//! `LabelSet` is for structs; an enum wants `LabelValue`.

use promstrict::LabelSet;

#[derive(Clone, Copy, LabelSet)]
enum Method {
    Get,
    Post,
}

fn main() {}
