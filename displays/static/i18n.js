// Words on screen in the branch's locale (zh-CN default, en).

const STRINGS = {
  'zh-CN': {
    now_calling: '正在叫号',
    recent_calls: '最近叫号',
    counters: '窗口',
    waiting: '等候',
    people: '人',
    paused: '暂停服务',
    closed: '未开放',
    idle: '空闲',
    open: '服务中',
    no_calls: '暂无叫号',
    notice: '请留意叫号及语音提示，过号请联系大堂经理。',
    offline: '连接中断，正在重连…',
    denied: '令牌无效，请联系管理员',
    no_token: '缺少令牌：请用 ?token=… 打开本页',
    enable_sound: '点击启用声音',
    please_go: '请到本窗口办理',
    take_ticket: '请选择业务类型取号',
    vip_card: 'VIP 卡号（可选）',
    vip_refused: 'VIP 卡无效，可改取普通号',
    take_normal: '取普通号',
    vip_open: 'VIP 客户请刷卡',
    vip_prompt: '请刷 VIP 卡或输入卡号',
    vip_ready: 'VIP 卡',
    vip_choose: '请选择业务类型取 VIP 号',
    vip_clear: '清除',
    key_del: '删除',
    key_ok: '确定',
    your_number: '您的号码',
    ahead: '前面等候',
    est_wait: '预计等候',
    minutes: '分钟',
    issued_at: '取号时间',
    scan_to_track: '扫码随时查看排队进度',
    done: '完成',
    printer_fault: '打印机故障：请扫码或拍照记下您的号码',
    issue_failed: '取号失败',
    sign_in: '登录',
    sign_out: '签退',
    token: '令牌',
    counter_no: '窗口号',
    current: '当前号码',
    none: '无',
    waited: '已等候',
    serving_for: '办理时长',
    postponed: '暂缓',
    call: '呼叫',
    k1: '呼叫下一位', k2: '重呼', k3: '过号', k4: '开始办理', k5: '办理完成',
    k6: '暂停', k7: '恢复', k8: '转柜', k9: '暂缓',
    transfer_to_category: '转到业务类型',
    transfer_to_counter: '转到窗口',
    confirm: '确定',
    cancel: '取消',
    pause_reason: '暂停原因',
    reasons: ['午餐', '临时离开', '业务培训', '系统维护'],
    for_this_counter: '本窗口可叫',
    queue: '排队',
    alerts: '提醒',
    devices: '设备',
    ack: '确认',
    note: '备注',
    issue_green: '发绿色通道号',
    issue_vip: '发 VIP 号',
    category: '业务类型',
    priority: '优先级',
    reassign: '改业务类型',
    requeue: '重新排队',
    keep_place: '保留原位置',
    call_at: '指定窗口呼叫',
    cancel_ticket: '取消号码',
    no_show: '过号',
    unsatisfied: '客户不满意',
    a_long_wait: '等候过久',
    a_too_long: '排队过长',
    a_device_fault: '设备故障',
    a_missed_vulnerable: '绿色通道客户未应答',
    phone_title: '大堂经理 · 提醒',
    no_alerts: '暂无待处理的提醒',
    note_first: '请先填写处理备注',
    sound_on: '开启提醒音',
    ack_note_placeholder: '处理情况（必填）',
    dashboard: '完整看板',
    teller: '柜员',
    status: '状态',
    st_waiting: '排队中', st_called: '已叫号', st_serving: '办理中', st_done: '已完成',
    st_no_show: '已过号', st_postponed: '暂缓中', st_cancelled: '已取消', st_expired: '已过期',
    go_to_counter: '请到 {name} 办理',
    almost: '快轮到您了，请留意叫号',
    leaving: '我不排了',
    notify_me: '开启提醒（振动和提示音）',
    leaving_confirm: '确定取消排队吗？',
    not_found: '找不到该号码',
    green: '绿色通道', vip: 'VIP', normal: '普通',
    // teller console: why a key did nothing (api.js REFUSALS; the pad shows the label)
    refused_closed: '窗口已关闭', refused_paused: '暂停服务中', refused_none: '当前无客户',
    refused_busy: '请先办结当前客户', refused_empty: '无人等候',
    // transfer to a window (issue #10 item 4)
    wait_at_counter: '请到{name}等候',
    wait_at_counter_note: '叫到您的号码时请到该窗口办理',
    counter_closed_mark: '已关闭',
    counter_paused_mark: '暂停中',
    // A display screen the server refuses (screen.js showDenied), shown in both languages at once.
    denied_bad: '显示令牌无效',
    denied_other: '显示令牌不属于本网点',
    denied_none: '缺少显示令牌',
    denied_action: '请联系技术人员',
    denied_address: '本屏地址',
    denied_fix: '技术人员：在上面的地址后加 ?token= 和本网点有效的显示令牌，重新打开本屏',
    // manager: the printer of a ticket issued at the desk, the day's figures (issue 10: 6, 8)
    print_at: '打印机',
    kiosk_default: '{name}（默认）',
    no_printer: '不打印（布局未列出取号机）',
    printed_at: '在 {kiosk} 打印',
    not_printed: '未打印',
    kpi_title: '今日指标',
    kpi_served: '已办结',
    kpi_waiting: '等候中',
    kpi_wait_avg: '平均等候',
    kpi_wait_p90: '90% 等候不超过',
    kpi_abandoned: '流失（过号+取消）',
    kpi_satisfaction: '满意率',
    kpi_service_avg: '平均办理',
    score_avg: '平均评分 {avg}（1 为非常满意）· {n} 次评价',
    no_ratings: '暂无评价',
    csv_download: '下载明细 CSV',
  },
  en: {
    now_calling: 'Now calling',
    recent_calls: 'Recent calls',
    counters: 'Counters',
    waiting: 'Waiting',
    people: '',
    paused: 'Paused',
    closed: 'Closed',
    idle: 'Open',
    open: 'Open',
    no_calls: 'No calls yet',
    notice: 'Please listen for your number. Missed your call? See the lobby manager.',
    offline: 'Connection lost, reconnecting…',
    denied: 'Invalid token, please call the administrator',
    no_token: 'No token: open this page with ?token=…',
    enable_sound: 'Click to enable sound',
    please_go: 'Please come to this counter',
    take_ticket: 'Choose your service',
    vip_card: 'VIP card number (optional)',
    vip_refused: 'VIP card not recognised. Take a normal ticket?',
    take_normal: 'Normal ticket',
    vip_open: 'VIP customers: swipe your card',
    vip_prompt: 'Swipe your VIP card or enter its number',
    vip_ready: 'VIP card',
    vip_choose: 'Now choose a service for a VIP ticket',
    vip_clear: 'Clear',
    key_del: 'Delete',
    key_ok: 'OK',
    your_number: 'Your number',
    ahead: 'Ahead of you',
    est_wait: 'Estimated wait',
    minutes: 'min',
    issued_at: 'Issued at',
    scan_to_track: 'Scan to follow the queue on your phone',
    done: 'Done',
    printer_fault: 'Printer fault: please scan or photograph your number',
    issue_failed: 'Could not issue a ticket',
    sign_in: 'Sign in',
    sign_out: 'Sign out',
    token: 'Token',
    counter_no: 'Counter',
    current: 'Current',
    none: 'None',
    waited: 'Waited',
    serving_for: 'Serving for',
    postponed: 'Postponed',
    call: 'Call',
    k1: 'Call next', k2: 'Recall', k3: 'No-show', k4: 'Start', k5: 'Finish',
    k6: 'Pause', k7: 'Resume', k8: 'Transfer', k9: 'Postpone',
    transfer_to_category: 'To category',
    transfer_to_counter: 'To counter',
    confirm: 'OK',
    cancel: 'Cancel',
    pause_reason: 'Reason for pause',
    reasons: ['Lunch', 'Away briefly', 'Training', 'Maintenance'],
    for_this_counter: 'For this counter',
    queue: 'Queue',
    alerts: 'Alerts',
    devices: 'Devices',
    ack: 'Acknowledge',
    note: 'Note',
    issue_green: 'Issue green channel',
    issue_vip: 'Issue VIP',
    category: 'Category',
    priority: 'Priority',
    reassign: 'Reassign',
    requeue: 'Requeue',
    keep_place: 'Keep place',
    call_at: 'Call at counter',
    cancel_ticket: 'Cancel ticket',
    no_show: 'No-show',
    unsatisfied: 'Unsatisfied customer',
    a_long_wait: 'Long wait',
    a_too_long: 'Queue too long',
    a_device_fault: 'Device fault',
    a_missed_vulnerable: 'Green-channel customer missed',
    phone_title: 'Lobby manager · alerts',
    no_alerts: 'No open alerts',
    note_first: 'Write what was done first',
    sound_on: 'Turn on sound',
    ack_note_placeholder: 'What was done (required)',
    dashboard: 'Full dashboard',
    teller: 'Teller',
    status: 'Status',
    st_waiting: 'Waiting', st_called: 'Called', st_serving: 'Being served', st_done: 'Done',
    st_no_show: 'Missed', st_postponed: 'Postponed', st_cancelled: 'Cancelled', st_expired: 'Expired',
    go_to_counter: 'Please go to {name}',
    almost: 'Almost your turn, please listen for your number',
    leaving: "I'm leaving",
    notify_me: 'Turn on alerts (vibration and sound)',
    leaving_confirm: 'Leave the queue?',
    not_found: 'Ticket not found',
    green: 'Green', vip: 'VIP', normal: 'Normal',
    // teller console: why a key did nothing (api.js REFUSALS; the pad shows the label)
    refused_closed: 'Counter closed', refused_paused: 'Counter paused', refused_none: 'No customer at the counter',
    refused_busy: 'Finish the current customer first', refused_empty: 'Nobody waiting',
    // transfer to a window (issue #10 item 4)
    wait_at_counter: 'Please wait for {name}',
    wait_at_counter_note: 'Your number was moved to this window; go there when it is called',
    counter_closed_mark: 'closed',
    counter_paused_mark: 'paused',
    // A display screen the server refuses (screen.js showDenied), shown in both languages at once.
    denied_bad: 'Display token rejected',
    denied_other: 'Display token is for another branch',
    denied_none: 'No display token',
    denied_action: 'call a technician',
    denied_address: "This screen's address",
    denied_fix: 'Technician: reopen this screen at the address above with ?token= and a valid display token of this branch',
    // manager: the printer of a ticket issued at the desk, the day's figures (issue 10: 6, 8)
    print_at: 'Printer',
    kiosk_default: '{name} (default)',
    no_printer: 'Not printed (no kiosk in the layout)',
    printed_at: 'printing at {kiosk}',
    not_printed: 'not printed',
    kpi_title: "Today's figures",
    kpi_served: 'Served',
    kpi_waiting: 'Waiting',
    kpi_wait_avg: 'Average wait',
    kpi_wait_p90: '90% waited at most',
    kpi_abandoned: 'Left (no-show + cancelled)',
    kpi_satisfaction: 'Satisfied',
    kpi_service_avg: 'Average service',
    score_avg: 'average score {avg} (1 = very satisfied) · {n} ratings',
    no_ratings: 'No ratings yet',
    csv_download: 'Download CSV',
  },
};

let current = 'zh-CN';

export function setLocale(locale) {
  current = STRINGS[locale] ? locale : 'zh-CN';
  document.documentElement.lang = current;
}

export const locale = () => current;

export function t(key, vars = {}) {
  const s = STRINGS[current][key] ?? STRINGS['zh-CN'][key] ?? key;
  return typeof s === 'string' ? s.replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '') : s;
}

// "3号窗口" / "Counter 3"
export function counterLabel(n) {
  return current === 'en' ? `Counter ${n}` : `${n}号窗口`;
}

export function waitingLabel(n) {
  return current === 'en' ? `${n} waiting` : `${t('waiting')} ${n} ${t('people')}`;
}

// Minutes and seconds since an ISO time, e.g. "12:05".
export function sinceLabel(iso, now = Date.now()) {
  if (!iso) return '–';
  const s = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}`
    : `${m}:${String(s % 60).padStart(2, '0')}`;
}

// The phrase the browser speaks when server audio fails (fallback only).
export function spokenCall(number, counter, loc = current) {
  return loc === 'en' ? `Number ${number.split('').join(' ')}, please go to counter ${counter}`
    : `请 ${number.split('').join(' ')} 号 到 ${counter} 号窗口`;
}

// Translate static labels marked with data-t="key".
export function translateStatic(root = document) {
  for (const el of root.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
}

// A string in a given locale, whatever the page's (a message shown in both at once).
export function tIn(loc, key) {
  return (STRINGS[loc] || STRINGS['zh-CN'])[key] ?? key;
}
