// The store's page: its rounds, what changed since the round before, a class's or a student's 一生一档.
"use strict";
(function () {
  const el = id => document.getElementById(id);
  const cell = (tag, text) => { const e = document.createElement(tag); e.textContent = text == null ? "" : String(text); return e; };
  const row = values => { const tr = document.createElement("tr"); values.forEach(v => tr.append(cell("td", v))); return tr; };

  async function rounds() {
    const data = await (await fetch("/api/store/rounds")).json();
    el("store-rounds").tBodies[0].replaceChildren(...data.rounds.map(r =>
      row([r.report_date, r.scope, r.term, r.files, r.students, r.contacts, r.problems])));
  }

  function list(title, items, cols, heads) {
    const box = document.createElement("div");
    box.append(cell("h3", `${title}（${items.length}）`));
    if (!items.length) return box;
    const t = document.createElement("table"); const h = document.createElement("tr");
    heads.forEach(x => h.append(cell("th", x))); t.append(h);
    items.forEach(i => t.append(row(cols.map(c => Array.isArray(i[c]) ? i[c].join("、") : i[c]))));
    box.append(t); return box;
  }

  async function changes() {
    const data = await (await fetch("/api/store/changes" + (el("changes-masked").checked ? "?mask=1" : ""))).json();
    if (!data.changes) { el("changes-none").textContent = data.why; el("changes-none").hidden = false; return; }
    const c = data.changes;
    el("changes").replaceChildren(cell("p", `${c.scope}：${c.after} 与 ${c.before} 相比`),
      list("新增的学生", c.added, ["name", "class", "id_number"], ["姓名", "班级", "身份证号"]),
      list("离开的学生", c.left, ["name", "class", "id_number"], ["姓名", "班级", "身份证号"]),
      list("信息变更", c.changed, ["name", "class", "field", "before", "after"], ["姓名", "班级", "项目", "原来", "现在"]));
  }

  el("changes-masked").addEventListener("change", changes);
  el("dossier").addEventListener("submit", async ev => {
    ev.preventDefault();
    const q = new URLSearchParams(new FormData(ev.target));
    const answer = await fetch("/api/store/dossier?" + q);
    if (!answer.ok) { el("dossier-error").textContent = (await answer.json()).error; el("dossier-error").hidden = false; return; }
    el("dossier-error").hidden = true;
    const name = decodeURIComponent((answer.headers.get("content-disposition") || "").split("''")[1] || "一生一档.xlsx");
    const a = document.createElement("a");  // the workbook fetched once, handed to the browser as a download
    a.href = URL.createObjectURL(await answer.blob()); a.download = name; document.body.append(a); a.click(); a.remove();
  });
  rounds(); changes();
})();
