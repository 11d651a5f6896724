// The content editor's text box: a real <textarea> over a highlighted copy of its text.
//
// The textarea does the editing (typing, input methods, undo, screen readers, fill() in
// tests); its text is transparent, and the layer behind it draws the same text line by line,
// each line with its number and its highlighting. Both sit in one scrolling box, the textarea
// stretched over the whole layer and wrapping at the same width, so the numbers scroll with the
// text by construction and a wrapped line keeps one number. File text is user content: it only ever reaches the page
// through `.value` and `textContent`, never as markup.
//
// Python sends {text, echo, base, label, hint, language, problems}. `echo` says the text is the
// one this box last sent (ignored: the person may have typed on since); otherwise Python
// replaced the text (a draft loaded, the file reopened) and the box takes it once, for each
// (text, base) pair. The box sends {text, seq} after a pause in typing, on leaving the box and
// on Ctrl+Enter; `seq` only grows, so each send is a change.

const PAUSE_MS = 500;
const editors = new WeakMap();

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  let editor = editors.get(parentElement);
  if (!editor) {
    editor = mount(parentElement);
    editors.set(parentElement, editor);
  }
  editor.send = setStateValue;
  editor.update(data || {});
  return () => editor.stop();
}

function mount(root) {
  const textarea = root.querySelector("textarea");
  const layer = root.querySelector(".layer");
  const label = root.querySelector("label");
  const hint = root.querySelector(".hint");
  const marks = root.querySelector(".marks");
  root.querySelector(".stalled").hidden = true; // the script runs: no need for the plain box
  root.querySelector(".editor").hidden = false;
  const editor = { send: null, seq: 0, applied: null, timer: null, problems: new Map(), language: "markdown" };

  const flush = () => {
    clearTimeout(editor.timer);
    editor.timer = null;
    if (editor.sent === textarea.value) return;
    editor.seq += 1;
    editor.sent = textarea.value;
    editor.send("report", { text: textarea.value, seq: editor.seq });
  };
  const typed = () => {
    draw();
    clearTimeout(editor.timer);
    editor.timer = setTimeout(flush, PAUSE_MS);
  };
  const keys = (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) flush();
  };
  textarea.addEventListener("input", typed);
  textarea.addEventListener("blur", flush);
  textarea.addEventListener("keydown", keys);

  const draw = () => {
    drawLines(layer, textarea.value, editor.language, editor.problems);
  };

  editor.update = (data) => {
    label.textContent = data.label || "Content";
    hint.textContent = data.hint || "";
    editor.language = data.language === "yaml" ? "yaml" : "markdown";
    editor.problems = problemMap(data.problems);
    marks.textContent = problemSummary(editor.problems);
    const text = typeof data.text === "string" ? data.text : "";
    const pair = `${data.base}\u0000${text}`;
    if (editor.applied === null) {
      textarea.value = text; // first draw: the text as Python holds it
      editor.sent = text;
      editor.seq = Number.isInteger(data.base) ? data.base : 0;
      editor.applied = pair;
    } else if (!data.echo && pair !== editor.applied) {
      editor.applied = pair;
      clearTimeout(editor.timer);
      if (textarea.value !== text) textarea.value = text; // (setting it moves the caret to the end)
      editor.sent = null;
      editor.seq = Math.max(editor.seq, Number.isInteger(data.base) ? data.base : 0);
      flush(); // replaced in Python: tell Python the box now holds it
    }
    draw();
  };
  editor.stop = () => {
    clearTimeout(editor.timer);
  };
  return editor;
}

function problemMap(problems) {
  const found = new Map();
  for (const problem of Array.isArray(problems) ? problems : []) {
    if (!problem || !Number.isInteger(problem.line) || problem.line < 1) continue;
    found.set(problem.line, {
      severity: problem.severity === "error" ? "error" : "warning",
      said: String(problem.said || ""),
    });
  }
  return found;
}

function problemSummary(problems) {
  if (!problems.size) return "No problem marked.";
  const listed = [...problems].map(([line, p]) => `${line} (${p.severity})`);
  return `Problems on line${problems.size === 1 ? "" : "s"} ${listed.join(", ")}.`;
}

// Draw one row per line: its number, its problem mark and its highlighted text. Rows whose
// line, state and mark are unchanged are kept, so typing in a long file redraws little.
function drawLines(layer, text, language, problems) {
  const lines = text.split("\n");
  const rows = layer.children;
  let state = { front: false, fence: null, comment: false };
  for (let index = 0; index < lines.length; index += 1) {
    const number = index + 1;
    const problem = problems.get(number);
    const before = `${state.front ? 1 : 0}${state.comment ? 1 : 0}${state.fence || ""}`;
    const key = `${before}\u0000${problem ? problem.severity + problem.said : ""}\u0000${lines[index]}`;
    const row = rows[index];
    if (row && row.dataset.key === key) {
      state = row.after; // unchanged: so is what the line leaves for the next one
      continue;
    }
    const [spans, after] = tokens(lines[index], index, state, language);
    state = after;
    const fresh = makeRow(number, spans, problem);
    fresh.dataset.key = key;
    fresh.after = after;
    if (row) layer.replaceChild(fresh, row);
    else layer.appendChild(fresh);
  }
  while (rows.length > lines.length) layer.removeChild(layer.lastChild);
  layer.parentElement.style.setProperty("--digits", String(Math.max(3, String(lines.length).length)));
}

function makeRow(number, spans, problem) {
  const row = document.createElement("div");
  row.className = problem ? `row ${problem.severity}` : "row";
  const gutter = document.createElement("span");
  gutter.className = "number";
  gutter.textContent = String(number);
  if (problem) {
    const mark = document.createElement("span");
    mark.className = "mark";
    mark.textContent = problem.severity === "error" ? "×" : "!";
    gutter.prepend(mark);
    gutter.title = problem.said;
  }
  const code = document.createElement("span");
  code.className = "code";
  for (const [kind, part] of spans) {
    if (!kind) {
      code.append(part);
      continue;
    }
    const span = document.createElement("span");
    span.className = kind;
    span.textContent = part;
    code.append(span);
  }
  code.append("\u200b"); // an empty line keeps its height
  row.append(gutter, code);
  return row;
}

// Split one line into [kind, text] parts; kind "" is plain text. `state` carries what spans
// lines: inside the front matter, a fenced block, or an HTML comment.
function tokens(line, index, state, language) {
  const next = { ...state };
  if (language === "yaml") return [yamlLine(line), next];
  if (state.comment) {
    const end = line.indexOf("-->");
    if (end < 0) return [[["comment", line]], next];
    next.comment = false;
    return [[["comment", line.slice(0, end + 3)], ...inline(line.slice(end + 3), next)], next];
  }
  if (index === 0 && line === "---") {
    next.front = true;
    return [[["fence", line]], next];
  }
  if (state.front) {
    if (line === "---" || line === "...") {
      next.front = false;
      return [[["fence", line]], next];
    }
    return [yamlLine(line), next];
  }
  const fence = /^(\s*)(```+|~~~+)\s*([\w-]*)(.*)$/.exec(line);
  if (fence) {
    if (state.fence === null) next.fence = fence[2];
    else if (fence[2].startsWith(state.fence) && !fence[3]) next.fence = null;
    else return [yamlLine(line), next];
    return [[["", fence[1]], ["fence", fence[2]], ["info", fence[3]], ["", fence[4]]], next];
  }
  if (state.fence !== null) return [yamlLine(line), next];
  const container = /^(\s*)(:::+)(.*)$/.exec(line);
  if (container) return [[["", container[1]], ["fence", container[2]], ["info", container[3]]], next];
  const heading = /^#{1,6}(\s|$)/.exec(line);
  if (heading) return [[["heading", line]], next];
  const attributes = /^(\s*)(\{[^}]*\})(\s*)$/.exec(line);
  if (attributes) return [[["", attributes[1]], ["attribute", attributes[2]], ["", attributes[3]]], next];
  const choice = /^(\s*[-*+]\s+)(\[[ xX]\])(.*)$/.exec(line);
  if (choice) return [[["marker", choice[1] + choice[2]], ...inline(choice[3], next)], next];
  const quote = /^(\s*>+)(.*)$/.exec(line);
  if (quote) return [[["marker", quote[1]], ...inline(quote[2], next)], next];
  return [inline(line, next), next];
}

// Links, inline attributes and comments inside a line of Markdown text.
function inline(text, state) {
  const parts = [];
  const pattern = /(<!--.*?(?:-->|$))|(!?\[[^\]\n]*\]\([^)\n]*\))|(\{[#.][^}\n]*\})/g;
  let last = 0;
  for (const found of text.matchAll(pattern)) {
    if (found.index > last) parts.push(["", text.slice(last, found.index)]);
    if (found[1]) {
      parts.push(["comment", found[1]]);
      if (!found[1].endsWith("-->")) state.comment = true;
    } else if (found[2]) parts.push(["link", found[2]]);
    else parts.push(["attribute", found[3]]);
    last = found.index + found[0].length;
  }
  if (last < text.length) parts.push(["", text.slice(last)]);
  return parts;
}

// YAML: a comment, or a key (after an optional list dash) and its value.
function yamlLine(line) {
  if (/^\s*#/.test(line)) return [["comment", line]];
  const pair = /^(\s*(?:-\s+)?)([\w.-]+)(:)(\s.*|$)/.exec(line);
  if (!pair) return [["", line]];
  return [["", pair[1]], ["key", pair[2]], ["", pair[3] + pair[4]]];
}
