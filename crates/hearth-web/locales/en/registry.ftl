## Household registry: households, residents, consent, timeline

registry-save = Save
registry-cancel = Cancel
registry-search = Search
registry-pager-label = Pages
registry-pager-first = First page
registry-pager-next = Next page
registry-pager-prev = Previous

## Household list
households-title = Households
households-new = New household
households-search-label = Search by name or household code
households-search-hint = Chinese names also match by pinyin or initials, e.g. “zhangwei” or “zw”.
households-filter-community = Community
households-all-communities = All communities
households-none = No households found.

## Household page and form
household-title = Household { $code }
household-new-title = New household
household-edit-title = Edit household { $code }
household-edit = Edit
household-add-member = Add member
household-facts = Details
household-members = Members
household-no-members = No members recorded yet.
household-choose-community = Choose a community
household-field-community = Community
household-field-code = Household code
household-field-address = Address
household-field-building = Building
household-field-unit = Unit
household-field-phone = Phone
household-field-moved-in-on = Moved in on
household-field-moved-out-on = Moved out on
household-field-notes = Notes

## Consent
consent-title = Consent
consent-none = No consent recorded yet.
consent-add = Record consent
consent-save = Save consent
consent-field-given-by = Given by
consent-field-given-on = Given on
consent-field-scopes = Consent covers
consent-field-notes = Notes
consent-field-withdrawn-on = Withdrawn on
consent-scope-services = Receiving services
consent-scope-contact = Being contacted
consent-scope-partners = Sharing with partner organisations
consent-status = Status
consent-active = In force
consent-withdrawn-on = Withdrawn on { $date }
consent-withdraw = Withdraw consent
consent-withdraw-title = Withdraw this consent?
consent-withdraw-what = From { $date }, the consent { $given_by } gave on { $given_on } is recorded as withdrawn.
consent-withdraw-effect = What it allowed stops: no more contact or sharing under it. What was recorded before stays. This cannot be undone; if the household agrees again, record a new consent.

## Residents
residents-search-title = Find a resident
residents-search-label = Name
residents-search-hint = Type the start of a name; Chinese names also match by pinyin or initials.
residents-none = No residents found.
resident-household = Household
resident-new-title = Add a member to household { $code }
resident-edit-title = Edit { $name }
resident-edit = Edit
resident-facts = Details
resident-privacy-note = Record only what a service needs. Leave anything else empty.
resident-choice-unset = Not recorded
resident-field-full-name = Full name
resident-field-sex = Sex
resident-field-birth-date = Date of birth
resident-field-phone = Phone
resident-field-languages-spoken = Languages spoken
resident-field-languages-to-learn = Languages they want to learn
resident-field-education-level = Education
resident-field-work-status = Work
resident-field-skills = Skills
resident-field-needs = Needs
resident-field-notes = Notes
resident-field-household-code = Household code
resident-field-external-id = Ledger ID
resident-sex-female = Female
resident-sex-male = Male
resident-sex-other = Other
resident-field-relationship = Relationship to the head of household
resident-relationship-head = Head of household
resident-relationship-spouse = Spouse
resident-relationship-child = Child
resident-relationship-parent = Parent
resident-relationship-other-relative = Other relative
resident-relationship-other = Other
resident-education-level-none = No formal schooling
resident-education-level-primary = Primary school
resident-education-level-lower-secondary = Lower secondary school
resident-education-level-upper-secondary = Upper secondary school
resident-education-level-vocational = Vocational training
resident-education-level-tertiary = College or university
resident-work-status-employed = Employed
resident-work-status-self-employed = Self-employed
resident-work-status-seeking-work = Looking for work
resident-work-status-not-seeking = Not looking for work
resident-work-status-student = Student
resident-work-status-retired = Retired
resident-work-status-unable-to-work = Unable to work

## Timeline (one line per event kind; later practices add theirs)
timeline-title = Timeline
timeline-empty = Nothing recorded yet.
timeline-household-moved-in = Moved in
timeline-household-moved-out = Moved out
timeline-resident-added = Member added
timeline-consent-given = Consent given
timeline-consent-withdrawn = Consent withdrawn
resident-seen-title = Who has seen or changed this record
resident-seen-hint = From the audit log: every opening of this record, and every list, search, report or export that showed it. Only coordinators and admins see this.
resident-seen-empty = Nobody yet.
resident-seen-col-through = Through
resident-seen-this-record = this record
resident-seen-through = a { $what } list or report
