// The start page: pick or drop the returned files, then POST /api/rounds and go to the round's page.
"use strict";
(function () {
  const form = document.getElementById("start");
  const drop = document.getElementById("drop");
  const input = document.getElementById("files");
  const chosen = document.getElementById("chosen");
  const error = document.getElementById("start-error");
  const bar = document.getElementById("upload");
  let dropped = [];

  function files() { return dropped.length ? dropped : Array.from(input.files); }
  function show() {
    chosen.replaceChildren(...files().map(f => { const li = document.createElement("li"); li.textContent = f.name; return li; }));
  }
  input.addEventListener("change", () => { dropped = []; show(); });
  ["dragenter", "dragover"].forEach(e => drop.addEventListener(e, ev => { ev.preventDefault(); drop.classList.add("over"); }));
  ["dragleave", "drop"].forEach(e => drop.addEventListener(e, ev => { ev.preventDefault(); drop.classList.remove("over"); }));
  drop.addEventListener("drop", ev => { dropped = Array.from(ev.dataTransfer.files); show(); });

  function fail(text) { error.textContent = text; error.hidden = false; document.getElementById("go").disabled = false; bar.hidden = true; }

  form.addEventListener("submit", ev => {
    ev.preventDefault();
    error.hidden = true;
    const list = files();
    if (!list.length) { fail("请先选择各班交回的台账"); return; }
    const data = new FormData();
    list.forEach(f => data.append("files", f, f.name));
    ["school_info", "policy"].forEach(k => { const f = document.getElementById(k).files[0]; if (f) data.append(k, f, f.name); });
    data.append("as_of", document.getElementById("as_of").value);
    if (document.getElementById("mask").checked) data.append("mask", "1");
    const xhr = new XMLHttpRequest();  // XHR, not fetch: it reports the upload's progress
    xhr.open("POST", "/api/rounds");
    xhr.setRequestHeader("X-CSRF-Token", document.body.dataset.csrf);
    xhr.upload.onprogress = e => { if (e.lengthComputable) { bar.hidden = false; bar.value = 100 * e.loaded / e.total; } };
    xhr.onload = () => {
      let answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (e) { /* not JSON: shown below */ }
      if (xhr.status === 201) { location.href = answer.url; return; }
      fail(answer.error || ("上传没有成功（" + xhr.status + "）"));
    };
    xhr.onerror = () => fail("连不上服务器：请确认 rosterkit serve 仍在运行");
    document.getElementById("go").disabled = true;
    xhr.send(data);
  });
})();
