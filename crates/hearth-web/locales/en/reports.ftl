## Reports and the indicator catalogue
reports-title = Reports
reports-print-title = Report
reports-period = Period
reports-from = From
reports-to = To
reports-community = Community
reports-all-communities = All my communities
reports-show = Show report
reports-total = Total
reports-indicator = Indicator
reports-value = Value
reports-records-link = Show the records behind this figure
reports-download-csv = Download CSV
reports-download-xlsx = Download Excel (XLSX)
reports-print = Print version
reports-print-now = Print
reports-print-back = Back
reports-outside = For outside the team (hide small counts)
reports-suppressed-note = { $below ->
    [0] Counts are rounded at random to a multiple of { $base }, hours to whole hours and money to 100 CNY, so that comparing reports gives no one away.
   *[other] Counts from 1 to { $below } are shown as "<{ $threshold }" so that no one can be singled out. Other counts are rounded at random to a multiple of { $base }, hours to whole hours and money to 100 CNY, so that comparing reports gives no one away.
}
reports-none = No indicators yet.
reports-records-title = Records behind a figure
reports-records-count = { $count ->
    [one] { $count } record
   *[other] { $count } records
}
reports-records-label = Record
reports-records-date = Date
reports-records-next = Next page
reports-records-first = First page
reports-records-back = Back to the report
reports-records-empty = No records.
reports-generated = Generated
err-date-before-from = The end date cannot be before the start date.
err-unknown-indicator = No such indicator.
err-unknown-dimension = This indicator has no such dimension.
err-unknown-format = Use one of: text, json, csv, xlsx.

## Practices (one export sheet each)
practice-registry = Registry
practice-visits = Visits and follow-ups
practice-programs = Classes
practice-jobs = Employment
practice-cases = Hardship cases
practice-pairs = Pairing
practice-requests = Service requests
practice-handbook = Handbook and partnerships
practice-goals = Goals

## Units
unit-count = count
unit-pct = percent
unit-avg = average
unit-hours = hours
unit-cny = CNY

## Registry indicators
indicator-households = Households
indicator-households-desc = Households living in the community at the end of the period.
indicator-residents = Residents
indicator-residents-desc = Residents of those households at the end of the period.
indicator-households_with_consent = Households with consent
indicator-households_with_consent-desc = Households whose consent is in force at the end of the period.
indicator-households_moved_in = Households moved in
indicator-households_moved_in-desc = Households that moved in during the period.
indicator-households_moved_out = Households moved out
indicator-households_moved_out-desc = Households that moved out during the period.
csv-key = Key
csv-indicator = Indicator
csv-dims = Dimensions
csv-value = Value
csv-note = Note
csv-unit = Unit
csv-community = Community
csv-id = Id
csv-record = Record
csv-date = Date
csv-link = Link
reports-column-counted = Counted
reports-column-last_visit = Last visit
reports-column-address = Address
reports-column-household = Household
reports-column-description = Need
reports-column-owner = Owner
reports-column-opened_on = Opened
reports-column-due_on = Due
reports-column-resolved_on = Resolved
reports-counted-yes = yes
reports-counted-no = no
