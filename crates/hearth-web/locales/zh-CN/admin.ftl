## 管理：用户、社区、审计日志

admin-cancel = 取消
admin-choose = 请选择…
admin-back-to-users = 返回用户列表
admin-back-to-user = 返回该用户

## 角色
admin-role-admin = 管理员
admin-role-coordinator = 协调员
admin-role-caseworker = 社工
admin-role-volunteer = 志愿者
admin-role-viewer = 查看者

## 用户
admin-users-title = 用户
admin-users-new = 添加用户
admin-users-new-intro = 新用户暂无密码：系统会生成一个一次性链接，由您转交给对方，对方用它自行设置密码。
admin-col-username = 用户名
admin-col-display-name = 显示名称
admin-col-role = 角色
admin-col-communities = 所属社区
admin-col-status = 状态
admin-col-password-changed = 最近修改密码
admin-status-active = 正常
admin-status-disabled = 已停用
admin-no-password = 尚未设置密码
admin-all-communities = 全部社区
admin-field-display-name = 显示名称
admin-field-role = 角色
admin-field-communities = 所属社区
admin-communities-hint = 管理员可查看所有社区；其他角色至少选择一个社区。
admin-user-create = 创建用户
admin-user-created = 已创建用户 { $username }。
admin-reset-done = 已重置 { $username } 的密码：其所有会话均已结束，所有 API 令牌均已吊销。
admin-setup-link-label = 一次性设置链接
admin-setup-link-intro = 请当面或通过可信渠道把此链接交给 { $username }。链接只能使用一次，24 小时内有效，对方可用它自行设置密码。此链接不会再次显示。
admin-user-title = 用户 { $username }
admin-user-details = 账号
admin-user-edit = 角色与所属社区
admin-user-save = 保存修改
admin-user-saved = 修改已保存。
admin-user-disabled-notice = 账号已停用，其会话均已结束。
admin-user-enabled-notice = 账号已重新启用。
admin-user-created-at = 创建时间
admin-user-actions = 账号操作
admin-user-disable = 停用账号
admin-user-disable-title = 确定停用 { $username } 吗？
admin-user-disable-effect = { $username } 将在所有设备上退出登录，其 API 令牌将被拒绝。在管理员重新启用该账户之前无法登录。
admin-user-enable = 启用账号
admin-user-disable-hint = 账号停用后无法登录，现有会话会立即结束。
admin-user-reset = 重置密码
admin-user-reset-title = 确定重置 { $username } 的密码吗？
admin-user-reset-effect = { $username } 将在所有设备上退出登录，其 API 令牌将被吊销（无法撤销）。您会得到一个一次性链接，交给对方设置新密码。
admin-user-reset-hint = 当前密码立即失效，所有会话结束，该用户的所有 API 令牌被吊销；您会得到一个一次性链接，供用户设置新密码。
admin-user-self-note = 这是您自己的账号：不能降低自己的角色，也不能停用自己。

## 社区
admin-communities-title = 社区
admin-communities-new = 添加社区
admin-communities-empty = 还没有社区。
admin-col-name = 名称
admin-col-slug = 简称
admin-col-established = 成立日期
admin-col-households = 户数
admin-field-name = 名称
admin-field-slug = 简称（用于链接）
admin-field-slug-hint = 2–40 个小写字母、数字或连字符，例如“jiafu”。创建后不能修改。
admin-field-address = 地址
admin-field-established = 成立日期
admin-community-create = 创建社区
admin-community-created = 已创建社区“{ $slug }”。

## 审计日志
admin-audit-title = 审计日志
admin-audit-intro = 记录每一次修改，以及每一次打开住户或居民档案的操作，最新的在前，时间为 UTC。每条记录都带有上一条记录的哈希值，因此任何记录被修改或删除都能被发现。
admin-audit-actor = 操作人（用户名）
admin-audit-entity = 记录类型
admin-audit-entity-id = 记录编号
admin-audit-action = 操作
admin-audit-community = 社区
admin-audit-any = 全部社区
admin-audit-filter = 筛选
admin-audit-clear = 清除筛选
admin-audit-empty = 没有符合筛选条件的审计记录。
admin-audit-pages = 翻页
admin-audit-older = 更早的记录
admin-audit-newest = 最新的记录
admin-audit-verify = 校验哈希链
admin-audit-intact = 审计链完整：已校验 { $chains } 条链中的 { $rows } 条记录。
admin-audit-chain-deployment = 系统自身的审计链（用户、令牌、社区）
admin-audit-chain-community = 社区“{ $name }”的审计链
admin-audit-broken = 审计日志在{ $chain }的第 { $seq } 条记录处断开：{ $reason }请保留一份数据库副本，并告知本服务器的管理人员。
admin-audit-reason-missing-row = 缺少一条记录。
admin-audit-reason-link-mismatch = 该记录与上一条记录的链接不符。
admin-audit-reason-hash-mismatch = 该记录写入后被修改过。
admin-audit-reason-truncated = 链末尾的记录被删除了。
admin-audit-reason-wrong-chain = 该记录是从另一个社区的审计链移过来的。
admin-audit-reason-outside-chain = 有记录不属于任何审计链（其链头缺失）。
admin-col-time = 时间（UTC）
admin-col-actor = 操作人
admin-col-action = 操作
admin-col-entity = 记录类型
admin-col-id = 编号
admin-col-community = 社区
admin-col-summary = 摘要
admin-col-hash = 哈希
