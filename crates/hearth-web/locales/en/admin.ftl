## Administration: users, communities, audit log

admin-cancel = Cancel
admin-choose = Choose…
admin-back-to-users = Back to users
admin-back-to-user = Back to this user

## Roles
admin-role-admin = Administrator
admin-role-coordinator = Coordinator
admin-role-caseworker = Caseworker
admin-role-volunteer = Volunteer
admin-role-viewer = Viewer

## Users
admin-users-title = Users
admin-users-new = Add a user
admin-users-new-intro = The new user gets no password: you receive a one-time link to hand over, with which they choose their own.
admin-col-username = Username
admin-col-display-name = Display name
admin-col-role = Role
admin-col-communities = Communities
admin-col-status = Status
admin-col-password-changed = Password last changed
admin-status-active = Active
admin-status-disabled = Disabled
admin-no-password = No password yet
admin-all-communities = All communities
admin-field-display-name = Display name
admin-field-role = Role
admin-field-communities = Communities
admin-communities-hint = Administrators see every community. For every other role, choose at least one.
admin-user-create = Create user
admin-user-created = User { $username } was created.
admin-reset-done = The password of { $username } was reset: their sessions have ended and their API tokens are revoked.
admin-setup-link-label = One-time setup link
admin-setup-link-intro = Give this link to { $username } in person or through a channel you trust. It works once, for 24 hours, and lets them choose their own password. It will not be shown again.
admin-user-title = User { $username }
admin-user-details = Account
admin-user-edit = Role and communities
admin-user-save = Save changes
admin-user-saved = Changes saved.
admin-user-disabled-notice = The account is disabled; its sessions have ended.
admin-user-enabled-notice = The account is enabled again.
admin-user-created-at = Created
admin-user-actions = Account actions
admin-user-disable = Disable account
admin-user-disable-title = Disable { $username }?
admin-user-disable-effect = { $username } is signed out everywhere and their API tokens are refused. They cannot sign in until an administrator enables the account again.
admin-user-enable = Enable account
admin-user-disable-hint = A disabled user cannot log in, and any session they have ends at once.
admin-user-reset = Reset password
admin-user-reset-title = Reset the password of { $username }?
admin-user-reset-effect = { $username } is signed out everywhere and their API tokens are revoked (this cannot be undone). You get a one-time link to give them, to set a new password.
admin-user-reset-hint = The current password stops working at once, every session ends, every API token of the user is revoked, and you get a one-time link for the user to choose a new password.
admin-user-self-note = This is your own account: you cannot demote or disable it.

## Communities
admin-communities-title = Communities
admin-communities-new = Add a community
admin-communities-empty = No communities yet.
admin-col-name = Name
admin-col-slug = Short name
admin-col-established = Established
admin-col-households = Households
admin-field-name = Name
admin-field-slug = Short name (used in links)
admin-field-slug-hint = 2–40 lower-case letters, digits and dashes, for example “jiafu”. It cannot be changed later.
admin-field-address = Address
admin-field-established = Established on
admin-community-create = Create community
admin-community-created = Community “{ $slug }” was created.

## Audit log
admin-audit-title = Audit log
admin-audit-intro = Every change, and every opening of a household or resident record, newest first. Times are UTC. Each row carries the hash of the one before it, so a changed or removed row is detected.
admin-audit-actor = Actor (username)
admin-audit-entity = Record type
admin-audit-entity-id = Record id
admin-audit-action = Action
admin-audit-community = Community
admin-audit-any = Any community
admin-audit-filter = Filter
admin-audit-clear = Clear filters
admin-audit-empty = No audit entries match these filters.
admin-audit-pages = Pages
admin-audit-older = Older entries
admin-audit-newest = Newest entries
admin-audit-verify = Verify the hash chain
admin-audit-intact = { $rows ->
    [one] The audit chains are intact: { $rows } entry checked in { $chains } chains.
   *[other] The audit chains are intact: { $rows } entries checked in { $chains } chains.
}
admin-audit-chain-deployment = the deployment's own chain (users, tokens, communities)
admin-audit-chain-community = the chain of community “{ $name }”
admin-audit-broken = The audit log is broken in { $chain }, at its entry { $seq }: { $reason } Keep a copy of the database and tell whoever runs this server.
admin-audit-reason-missing-row = an entry is missing.
admin-audit-reason-link-mismatch = the entry does not link to the one before it.
admin-audit-reason-hash-mismatch = the entry was changed after it was written.
admin-audit-reason-truncated = entries were removed from the end of the chain.
admin-audit-reason-wrong-chain = the entry was moved from another community's chain.
admin-audit-reason-outside-chain = entries lie outside every chain (their chain's head is missing).
admin-col-time = Time (UTC)
admin-col-actor = Actor
admin-col-action = Action
admin-col-entity = Record type
admin-col-id = Id
admin-col-community = Community
admin-col-summary = Summary
admin-col-hash = Hash
