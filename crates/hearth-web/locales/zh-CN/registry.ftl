## 住户登记：住户、居民、同意书、时间线

registry-save = 保存
registry-cancel = 取消
registry-search = 搜索
registry-pager-label = 分页
registry-pager-first = 第一页
registry-pager-next = 下一页
registry-pager-prev = 上一页

## 住户列表
households-title = 住户
households-new = 新建住户
households-search-label = 按姓名或户号搜索
households-search-hint = 中文姓名也可以用拼音或首字母搜索，例如“zhangwei”或“zw”。
households-filter-community = 社区
households-all-communities = 全部社区
households-none = 没有找到住户。

## 住户页面和表单
household-title = 住户 { $code }
household-new-title = 新建住户
household-edit-title = 编辑住户 { $code }
household-edit = 编辑
household-add-member = 添加成员
household-facts = 基本信息
household-members = 家庭成员
household-no-members = 尚未登记成员。
household-choose-community = 请选择社区
household-field-community = 社区
household-field-code = 户号
household-field-address = 地址
household-field-building = 楼栋
household-field-unit = 单元
household-field-phone = 电话
household-field-moved-in-on = 入住日期
household-field-moved-out-on = 迁出日期
household-field-notes = 备注

## 同意书
consent-title = 知情同意
consent-none = 尚未登记同意记录。
consent-add = 登记同意
consent-save = 保存同意记录
consent-field-given-by = 同意人
consent-field-given-on = 同意日期
consent-field-scopes = 同意范围
consent-field-notes = 备注
consent-field-withdrawn-on = 撤回日期
consent-scope-services = 接受服务
consent-scope-contact = 接受联系
consent-scope-partners = 与合作机构共享信息
consent-status = 状态
consent-active = 有效
consent-withdrawn-on = 已于 { $date } 撤回
consent-withdraw = 撤回同意
consent-withdraw-title = 确定撤回这项同意吗？
consent-withdraw-what = 自 { $date } 起，{ $given_by } 于 { $given_on } 给出的同意将记录为已撤回。
consent-withdraw-effect = 这项同意所允许的事项随即停止：不再据此联系或共享信息。此前的记录保留。此操作无法撤销；如住户再次同意，请重新登记一项同意。

## 居民
residents-search-title = 查找居民
residents-search-label = 姓名
residents-search-hint = 输入姓名开头即可；中文姓名也可以用拼音或首字母搜索。
residents-none = 没有找到居民。
resident-household = 住户
resident-new-title = 为住户 { $code } 添加成员
resident-edit-title = 编辑 { $name }
resident-edit = 编辑
resident-facts = 基本信息
resident-privacy-note = 只登记提供服务所需的信息，其余项目请留空。
resident-choice-unset = 未填写
resident-field-full-name = 姓名
resident-field-sex = 性别
resident-field-birth-date = 出生日期
resident-field-phone = 电话
resident-field-languages-spoken = 会说的语言
resident-field-languages-to-learn = 想学的语言
resident-field-education-level = 文化程度
resident-field-work-status = 就业状况
resident-field-skills = 技能
resident-field-needs = 需求
resident-field-notes = 备注
resident-field-household-code = 户号
resident-field-external-id = 台账编号
resident-sex-female = 女
resident-sex-male = 男
resident-sex-other = 其他
resident-field-relationship = 与户主关系
resident-relationship-head = 户主
resident-relationship-spouse = 配偶
resident-relationship-child = 子女
resident-relationship-parent = 父母
resident-relationship-other-relative = 其他亲属
resident-relationship-other = 其他
resident-education-level-none = 未受过正规教育
resident-education-level-primary = 小学
resident-education-level-lower-secondary = 初中
resident-education-level-upper-secondary = 高中
resident-education-level-vocational = 职业教育
resident-education-level-tertiary = 大专及以上
resident-work-status-employed = 在职
resident-work-status-self-employed = 自雇
resident-work-status-seeking-work = 正在找工作
resident-work-status-not-seeking = 暂不找工作
resident-work-status-student = 在校学生
resident-work-status-retired = 退休
resident-work-status-unable-to-work = 无法工作

## 时间线（每种事件一行；后续功能在此添加）
timeline-title = 时间线
timeline-empty = 暂无记录。
timeline-household-moved-in = 入住
timeline-household-moved-out = 迁出
timeline-resident-added = 新增成员
timeline-consent-given = 签署同意
timeline-consent-withdrawn = 撤回同意
resident-seen-title = 谁查看或修改过这条记录
resident-seen-hint = 来自审计日志：每一次打开这条记录，以及每一个显示过它的列表、搜索、报表或导出。只有协调员和管理员能看到这一部分。
resident-seen-empty = 还没有人。
resident-seen-col-through = 途径
resident-seen-this-record = 这条记录本身
resident-seen-through = { $what } 列表或报表
