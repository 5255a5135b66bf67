//! CSV export of plotted points: one row per point, `timestamp_ms,series,value`.

/// Writes `series` as CSV rows `timestamp_ms,series,value` (oldest first per series) after
/// a header line; the number of rows.
pub fn write_csv(
    out: impl std::io::Write,
    series: &[(String, Vec<[f64; 2]>)],
) -> Result<usize, csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["timestamp_ms", "series", "value"])?;
    let mut rows = 0;
    for (label, points) in series {
        for p in points {
            let ms = (p[0] * 1000.0).round() as i64;
            w.write_record([ms.to_string(), label.clone(), p[1].to_string()])?;
            rows += 1;
        }
    }
    w.flush()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_written_in_order_with_labels_quoted() {
        let series = [
            ("a,\"b\"".to_string(), vec![[1.0, 1.5], [2.0004, -2.0]]),
            ("c".to_string(), vec![]),
            ("d".to_string(), vec![[0.002, 0.0]]),
        ];
        let mut out = Vec::new();
        assert_eq!(write_csv(&mut out, &series).unwrap(), 3);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "timestamp_ms,series,value\n1000,\"a,\"\"b\"\"\",1.5\n\
             2000,\"a,\"\"b\"\"\",-2\n2,d,0\n"
        );
    }
}
