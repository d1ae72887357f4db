## Reports and the indicator catalogue
reports-title = 统计报表
reports-print-title = 报表
reports-period = 统计期间
reports-from = 开始日期
reports-to = 结束日期
reports-community = 社区
reports-all-communities = 我负责的全部社区
reports-show = 查看报表
reports-total = 合计
reports-indicator = 指标
reports-value = 数值
reports-records-link = 查看构成该数字的记录
reports-download-csv = 下载 CSV
reports-download-xlsx = 下载 Excel（XLSX）
reports-print = 打印版
reports-print-now = 打印
reports-print-back = 返回
reports-outside = 对外提供（隐藏小数字）
reports-suppressed-note = { $below ->
    [0] 计数随机取整为 { $base } 的倍数，小时取整到整小时，金额取整到 100 元，以免通过比较报表识别到个人。
   *[other] 为避免识别到个人，1 至 { $below } 的计数显示为“<{ $threshold }”；其他计数随机取整为 { $base } 的倍数，小时取整到整小时，金额取整到 100 元，以免通过比较报表识别到个人。
}
reports-none = 暂无指标。
reports-records-title = 数字背后的记录
reports-records-count = 共 { $count } 条记录
reports-records-label = 记录
reports-records-date = 日期
reports-records-next = 下一页
reports-records-first = 第一页
reports-records-back = 返回报表
reports-records-empty = 没有记录。
reports-generated = 生成时间
err-date-before-from = 结束日期不能早于开始日期。
err-unknown-indicator = 没有这个指标。
err-unknown-dimension = 该指标没有这个维度。
err-unknown-format = 请使用以下格式之一：text、json、csv、xlsx。

## Practices (one export sheet each)
practice-registry = 住户登记
practice-visits = 入户走访与跟进
practice-programs = 免费课堂
practice-jobs = 就业帮扶
practice-cases = 困难帮扶
practice-pairs = 结对帮扶
practice-requests = 服务申请
practice-handbook = 制度与合作协议
practice-goals = 工作目标

## Units
unit-count = 个数
unit-pct = 百分比
unit-avg = 平均
unit-hours = 小时
unit-cny = 元

## Registry indicators
indicator-households = 住户数
indicator-households-desc = 统计期末居住在社区内的住户。
indicator-residents = 居民数
indicator-residents-desc = 统计期末上述住户中的居民。
indicator-households_with_consent = 已签署同意书的住户
indicator-households_with_consent-desc = 统计期末同意书仍然有效的住户。
indicator-households_moved_in = 迁入住户
indicator-households_moved_in-desc = 统计期内迁入的住户。
indicator-households_moved_out = 迁出住户
indicator-households_moved_out-desc = 统计期内迁出的住户。
csv-key = 键
csv-indicator = 指标
csv-dims = 维度
csv-value = 数值
csv-note = 说明
csv-unit = 单位
csv-community = 社区
csv-id = 编号
csv-record = 记录
csv-date = 日期
csv-link = 链接
reports-column-counted = 是否计入
reports-column-last_visit = 最近走访
reports-column-address = 地址
reports-column-household = 住户
reports-column-description = 需求
reports-column-owner = 负责人
reports-column-opened_on = 登记日期
reports-column-due_on = 截止日期
reports-column-resolved_on = 解决日期
reports-counted-yes = 是
reports-counted-no = 否
