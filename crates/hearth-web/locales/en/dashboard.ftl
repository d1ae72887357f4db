dashboard-title = Dashboard
dashboard-show = Show
dashboard-month = Month
dashboard-outside = For sharing outside the team (small counts hidden, counts rounded)
dashboard-all-communities = All my communities
dashboard-communities = { $count ->
    [one] { $count } community
   *[other] { $count } communities
}
dashboard-queues = Waiting for the team
dashboard-figures = This month and last
dashboard-change = Change
dashboard-trends = Twelve months
dashboard-chart-title = Twelve-month chart
dashboard-chart-data = The numbers
dashboard-district = Communities
dashboard-district-note = Services delivered in each community this month. Choose a column heading to sort.
dashboard-community = Community
dashboard-more = Open the dashboard
queue-follow-ups-open = { $count ->
    [one] open follow-up
   *[other] open follow-ups
}
queue-follow-ups-overdue = overdue
queue-contacts-due = { $count ->
    [one] pair due a contact
   *[other] pairs due a contact
}
queue-relief-pending = { $count ->
    [one] relief decision pending
   *[other] relief decisions pending
}
queue-check-ins-due = { $count ->
    [one] placement check-in due
   *[other] placement check-ins due
}
queue-sessions-unrecorded = { $count ->
    [one] session without attendance
   *[other] sessions without attendance
}
dashboard-goals = This year's goals
dashboard-all-goals = All goals and the goal letter
