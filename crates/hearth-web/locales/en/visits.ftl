## Visits, follow-ups, coverage

nav-my-follow-ups = My follow-ups ({ $count })
nav-overdue = Overdue ({ $count })

visit-record = Record visit
visit-new-title = Record a visit to { $code }
visit-title = Visit on { $date }
visit-back-to-household = Back to the household
visit-field-visited-on = Date of visit
visit-field-purpose = Purpose
visit-field-visitors = Who went
visit-field-companions = Also came along (not users)
visit-field-notes = What we noted
visit-needs = Needs found
visit-needs-hint = Each need becomes a follow-up with an owner and a due date. Leave the description empty to skip a row.
visit-need-n = Need { $n }
visit-add-need = Add another need
visit-save = Save visit
visit-purpose-welcome = Welcome visit
visit-purpose-follow-up = Follow-up visit
visit-purpose-hardship-check = Hardship check
visit-purpose-other = Other
import-template-visits = Visits
visit-field-household-code = Household code

follow-ups-title = Follow-ups
follow-ups-queues = Queues
follow-ups-mine = My follow-ups
follow-ups-overdue = Overdue
follow-ups-all = All
follow-ups-any = Any
follow-ups-any-open = Any still open
follow-ups-filter = Filter
follow-ups-none = No follow-ups here.
follow-up-new = New follow-up
household-open-follow-ups = Open follow-ups
household-open-follow-ups-empty = No open follow-ups.
follow-up-new-title = New follow-up for { $code }
follow-up-title = Follow-up
follow-up-from-visit = The visit it came from
follow-up-due = due { $date }
follow-up-overdue = Overdue
follow-up-update = Move it along
follow-up-save = Save
follow-up-resolve-hint = To close a follow-up (resolved, or cannot be resolved), write what was done and the date.
follow-up-field-note = Note
follow-up-note-hint = Any change may carry a note, and a note alone is saved too. To close a follow-up (resolved, or cannot be resolved), write here what was done, and the date.
follow-up-reopen = Reopen
follow-up-reopen-note = Why it is reopened
follow-up-reopen-hint = Reopening keeps the history: the earlier resolution stays in it.
follow-up-history = History
follow-up-choose-category = Choose…
follow-up-field-description = What is needed
follow-up-field-category = Category
follow-up-field-owner = Who follows it up
follow-up-field-resident = Who it concerns
follow-up-whole-household = The whole household
follow-up-field-opened-on = Found on
follow-up-field-due-on = Due
follow-up-field-status = Status
follow-up-field-resolution-note = What was done
follow-up-field-resolved-on = Closed on
follow-up-category-jobs = Jobs
follow-up-category-schooling = Schooling
follow-up-category-health = Health
follow-up-category-housing = Housing
follow-up-category-documents = Documents
follow-up-category-money = Money
follow-up-category-language = Language
follow-up-category-other = Other
follow-up-status-open = Open
follow-up-status-in-progress = In progress
follow-up-status-resolved = Resolved
follow-up-status-cannot-resolve = Cannot be resolved
follow-up-change-created = Opened
follow-up-change-status = Status
follow-up-change-owner = Owner
follow-up-change-due-on = Due date
follow-up-change-category = Category
follow-up-change-description = Description changed
follow-up-change-note = Note

coverage-title = Visit coverage
coverage-from = From
coverage-to = To
coverage-days = Not visited for (days)
coverage-show = Show
coverage-figure-title = Households visited
coverage-figure = { $visited } of { $households } households visited from { $from } to { $to }, { $pct }
coverage-visits = { $count ->
    [one] { $count } visit made in this period.
   *[other] { $count } visits made in this period.
}
coverage-plan-title = Plan the next visits: households not visited in the last { $days } days
coverage-plan-hint = A planning list for the team: households we have not been to since { $since }. It says nothing about the household.
coverage-plan-total = { $count ->
    [one] 1 household to visit
   *[other] { $count } households to visit
}, never visited first, then the longest since the last visit.
coverage-plan-empty = Every household has had a visit in this time.
coverage-never = no visit recorded yet
coverage-last = last visit { $date }

timeline-visit = Visit
timeline-follow-up-opened = Follow-up opened
timeline-follow-up-resolved = Follow-up resolved
timeline-follow-up-cannot-resolve = Follow-up closed, could not be resolved

err-unknown-owner = Choose someone who works with this household.
err-unknown-user = One of the people chosen cannot be named here.
err-unknown-resident = Choose a member of this household.
err-date-before-visit = The due date cannot be before the visit.
err-date-before-opened = This date cannot be before the day it was opened.
err-already-closed = This follow-up is closed and can no longer change.
err-resolution-needs-closing-status = A resolution note and date go with closing the follow-up.
err-too-many = At most { $max }.
err-invalid-cursor = This page link is no longer valid.

indicator-visits = Visits
indicator-visits-desc = Household visits made during the period.
indicator-households_visited = Households visited
indicator-households_visited-desc = Households with at least one visit during the period.
indicator-visit_coverage_pct = Visit coverage
indicator-visit_coverage_pct-desc = Households visited as a share of households at the end of the period.
indicator-follow_ups_opened = Follow-ups opened
indicator-follow_ups_opened-desc = Needs found during the period, each followed up.
indicator-follow_ups_resolved = Follow-ups resolved
indicator-follow_ups_resolved-desc = Follow-ups resolved during the period.
indicator-follow_ups_overdue = Follow-ups overdue
indicator-follow_ups_overdue-desc = Follow-ups due before the end of the period and not closed by then.

nav-follow-ups-overdue = Overdue
coverage-owner = Owner of open follow-ups
coverage-owner-any = Anyone
coverage-list = Every household, visited or not
coverage-column-last-visit = Last visit
