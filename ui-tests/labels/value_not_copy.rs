//! A label value is `Copy`: the compiler says so on the derive.

use promstrict::LabelValue;

#[derive(LabelValue)]
enum Method {
    Get,
    Post,
}

fn main() {}
