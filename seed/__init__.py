"""Demo and benchmark data, above every domain: the demo data set that
`flask --app app seed-demo` (and `make run`) adds, one module per domain
(events.py, forums.py, awards.py, reports.py), and the county-scale data set
for bench/ (bench.py, `flask --app app seed-bench`). Nothing else imports it."""
