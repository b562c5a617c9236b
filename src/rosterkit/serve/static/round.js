// A round's page: live progress per file while it runs, then the summary, the downloads and the problems table.
"use strict";
(function () {
  const rid = document.getElementById("round").dataset.rid;
  const STATE = { queued: "排队中", running: "核对中", done: "已完成", failed: "未完成" };
  const STATUS = { ok: "通过", problems: "有问题", unreadable: "无法读取" };
  const el = id => document.getElementById(id);
  const cell = (tag, text, cls) => { const e = document.createElement(tag); e.textContent = text == null ? "" : String(text); if (cls) e.className = cls; return e; };
  let rows = [], sortKey = null, sortDir = 1;

  function progress(st) {
    el("state").textContent = STATE[st.state]; el("state").className = "state " + st.state;
    el("bar").max = Math.max(st.files_total, 1); el("bar").value = st.files_done;
    const n = { ok: 0, problems: 0, unreadable: 0 };
    st.files.forEach(f => n[f.status]++);
    el("counts").textContent = `已核对 ${st.files_done} / ${st.files_total} 个文件：通过 ${n.ok}，有问题 ${n.problems}，无法读取 ${n.unreadable}` +
      (st.state === "running" && st.files_done === st.files_total ? "；正在汇总、写出结果…" : "");
    el("files").replaceChildren(...st.files.map(f => cell("li", `${f.name}：${STATUS[f.status] || f.status}`, f.status)));
    el("refused").replaceChildren(...st.refused.map(f => cell("li", `未收入 ${f.name}：${f.why}`)));
  }

  function summary(s) {
    const pct = s.compliance_rate == null ? "—" : (100 * s.compliance_rate).toFixed(1) + "%";
    const items = [["文件", `${s.files} 个：通过 ${s.ok}，有问题 ${s.problems}，无法读取 ${s.unreadable}`],
      ["未提交班级", (s.classes_missing || []).join("、") || "无"],
      ["全校花名册", `${s.roster_rows} 行（未纳入 ${s.rows_left_out} 行）`],
      ["帮扶落实率", pct], ["逾期学生", `${s.students_overdue} 人`], ["即将到期", `${s.students_due_soon} 人`]];
    if (s.store) items.push(["存档", `已存入 ${s.store.report_date} 这一轮（学生 ${s.store.students} 名` + (s.store.previous ? `，上一轮 ${s.store.previous}）` : "，第一轮）")]);
    el("summary").replaceChildren(...items.flatMap(([k, v]) => [cell("dt", k), cell("dd", v)]));
  }

  function outputs(list) {
    const masked = el("masked").checked;  // the plain view leaves the 脱敏 twins to the switch
    el("outputs").replaceChildren(...list.filter(o => masked || !o.masked).map(o => {
      const li = document.createElement("li"); const a = cell("a", o.name); a.href = o.url; a.setAttribute("download", ""); li.append(a); return li;
    }));
  }

  function options(select, values) {
    const keep = select.value;
    select.replaceChildren(cell("option", "全部"), ...[...new Set(values)].sort().map(v => cell("option", v)));
    select.firstChild.value = ""; select.value = keep;
  }

  function table() {
    const k = el("filter-class").value, c = el("filter-code").value;
    let shown = rows.filter(r => (!k || r.class === k) && (!c || r.code === c));
    if (sortKey) shown = shown.slice().sort((a, b) => sortDir * String(a[sortKey] ?? "").localeCompare(String(b[sortKey] ?? ""), "zh-CN", { numeric: true }));
    el("problems").tBodies[0].replaceChildren(...shown.map(r => {
      const tr = document.createElement("tr"); tr.className = r.severity;
      ["file", "class", "sheet", "cell", "column", "value", "code", "message"].forEach(key => tr.append(cell("td", r[key])));
      return tr;
    }));
    el("problem-count").textContent = `（${shown.length} / ${rows.length} 条）`;
  }

  async function results() {
    const st = await (await fetch(`/api/rounds/${rid}` + (el("masked").checked ? "?mask=1" : ""))).json();
    if (st.mask) { el("masked").checked = true; el("masked").disabled = true; }
    summary(st.summary); outputs(st.outputs);
    rows = st.problems || [];
    options(el("filter-class"), rows.map(r => r.class)); options(el("filter-code"), rows.map(r => r.code));
    table(); el("results").hidden = false;
  }

  document.querySelectorAll("#problems th[data-key]").forEach(th => th.addEventListener("click", () => {
    sortDir = sortKey === th.dataset.key ? -sortDir : 1; sortKey = th.dataset.key;
    document.querySelectorAll("#problems th").forEach(h => h.classList.remove("asc", "desc"));
    th.classList.add(sortDir > 0 ? "asc" : "desc"); table();
  }));
  el("filter-class").addEventListener("change", table); el("filter-code").addEventListener("change", table);
  el("masked").addEventListener("change", results);

  async function poll() {
    let st;
    try { st = await (await fetch(`/api/rounds/${rid}`)).json(); } catch (e) { setTimeout(poll, 2000); return; }
    progress(st);
    if (st.state === "done") { await results(); document.body.dataset.ready = "1"; return; }
    if (st.state === "failed") { el("failed").textContent = "这一轮没能完成：" + (st.message || ""); el("failed").hidden = false; document.body.dataset.ready = "1"; return; }
    setTimeout(poll, 500);
  }
  poll();
})();
