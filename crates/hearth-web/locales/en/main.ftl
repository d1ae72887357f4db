app-name = hearth
skip-to-content = Skip to content
nav-main = Main
nav-households = Households
nav-users = Users
nav-communities = Communities
nav-follow-ups = Follow-ups
nav-dashboard = Dashboard
nav-reports = Reports
nav-audit = Audit log
nav-logout = Log out
form-has-errors = Please correct the marked fields.
households-count = { $count ->
    [one] { $count } household
   *[other] { $count } households
}

## Errors (pages and API)
error-title-400 = Bad request
error-title-401 = Please log in
error-title-403 = Not allowed
error-title-404 = Not found
error-title-409 = Already exists
error-title-413 = Too large
error-title-422 = Please check your input
error-title-429 = Too many attempts
error-title-500 = Something went wrong
error-not-found = This page or record does not exist, or you do not have access to it.
error-forbidden = Your role does not allow this.
error-unauthenticated = Please log in.
error-bad-token = The API token is missing, revoked or wrong.
error-csrf-rejected = This form has expired or came from another site. Go back, reload the page and try again.
error-too-large = The submission is too large.
error-invalid-input = Some fields need correcting.
error-precondition-failed = Someone changed this record since you read it. Read it again (its new ETag), then send your change.
error-conflict = This cannot be done to the record as it is now.
error-rate-limited = Too many attempts. Please wait a moment and try again.
error-bad-request = The request could not be read.
error-internal = Something went wrong on our side. Nothing was saved. If it happens again, tell your administrator the request id.
error-request-id = Request id:
error-go-home = Back to the start page

## Field errors
err-required = This field is required.
err-too-long = At most { $max } characters.
err-invalid-characters = Contains characters that are not allowed.
err-invalid-date = Enter a date as YYYY-MM-DD.
err-no-such-date = There is no such date.
err-invalid-record = Name a record as kind:id, e.g. resident:12.
err-reopen-needs-note = Say why it is reopened.
err-date-out-of-range = Enter a date between 1900 and 2100.
err-invalid-phone = Enter a phone number (digits, spaces, + - ( ) allowed).
err-invalid-choice = Choose one of the listed options.
err-invalid-slug = Use 2–40 lower-case letters, digits and dashes.
err-wrong-type = This value has the wrong type.
err-unknown-community = No such community (or you do not have access to it).
err-unknown-household = No such household (or you do not have access to it).
err-code-taken = Another household in this community already has this code.
err-changed-meanwhile = Someone else saved this record after you opened it. Nothing was saved; your input is still here.
changed-meanwhile-now = What is saved now, where it differs from what you typed:
changed-meanwhile-keep = Save again to replace it with what you typed, or change your input first.
err-slug-taken = Another community already uses this short name.
err-username-taken = This username is already taken.
err-username-format = Use 3–64 letters, digits, dots, dashes or underscores.
err-date-before-moved-in = The moved-out date cannot be before the moved-in date.
err-date-in-future = This date is in the future.
err-date-before-given = Consent cannot be withdrawn before it was given.
err-already-withdrawn = This consent has already been withdrawn.
err-scope-required = Choose at least one scope.
err-password-too-short = Use at least { $max } characters.
err-password-too-long = Use at most { $max } characters.
err-password-common = This password is too common or too easy to guess. Choose another.
err-password-wrong = The current password is not right.
err-password-mismatch = The two passwords are not the same.
err-cannot-change-self = You cannot demote or disable your own account.

## Login and setup
login-title = Log in
login-submit = Log in
login-failed = Username or password is not right.
login-rate-limited = Too many attempts. Try again in { $seconds } seconds.
field-username = Username
field-password = Password
field-new-password = New password
field-confirm-password = Repeat the new password
setup-title = Set up
setup-first-admin = Create the first administrator
setup-reset = Choose a new password
setup-new-user = Choose your password
setup-password-rules = Use 8 to 128 characters. A phrase of several words is easy to remember and hard to guess.
setup-submit = Save and log in
saved = Saved.
login-held = Your session ended before this was saved. Nothing is lost: sign in again and it will be saved.
resubmit-title = Saving what you submitted
resubmit-sending = You are signed in again. Saving what you submitted…
resubmit-explain = This form was opened before you signed in again. Send it now?
resubmit-send = Save now
error-session-expired = Your session ended. Sign in again.
today-title = Today
today-follow-ups = My follow-ups due today or overdue
today-all-follow-ups = All my follow-ups
today-follow-ups-empty = Nothing due today.
today-due-on = due { $date }
today-plan = Households to visit
today-whole-plan = The whole visit plan
today-plan-empty = Every household has been visited in the last 90 days.
today-recent = What I recorded lately
today-coverage = Visit coverage
today-recent-empty = No visits recorded by you yet.
confirm-cancel = Cancel
households-browse = Browse by building
households-all-buildings = All buildings
households-place-count = { $count ->
    [one] 1 household
   *[other] { $count } households
}
htmx-offline = Not saved: no answer from the server (connection?). Nothing was lost — tap again.
