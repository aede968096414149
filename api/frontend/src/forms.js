// Task forms, the registration form and the casework forms, enhanced when JS runs; every one of
// them works without it (the server reads dd/mm/yyyy, the selects are plain selects, the
// decision buttons submit, the fields of each choice are shown in the form).
//  - dates: flatpickr in Vietnamese showing d/m/Y (H:i), the real input holding ISO 8601;
//  - people and units: tom-select's search on the grouped selects;
//  - a decision that cannot be undone asks first, in a <dialog> holding the fields of that choice.
import flatpickr from "flatpickr";
import { Vietnamese } from "flatpickr/dist/l10n/vn.js";
import TomSelect from "tom-select";

const SHOWN = { date: "d/m/Y", datetime: "d/m/Y H:i" };
const TYPED = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ ,T]+(\d{1,2})[:hH](\d{2}))?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/;
const pad = (n) => String(n).padStart(2, "0");

// Both what people type (21/11/2026 17:00) and what the server sends back (ISO), read as the
// wall-clock time it says: deadlines are Vietnam time whatever the browser's zone.
function parseDate(text) {
  const typed = TYPED.exec(text.trim());
  const iso = typed ? null : ISO.exec(text.trim());
  if (!typed && !iso) return undefined;
  const [y, m, d, h, min] = typed
    ? [typed[3], typed[2], typed[1], typed[4] ?? 17, typed[5] ?? 0]
    : [iso[1], iso[2], iso[3], iso[4] ?? 17, iso[5] ?? 0];
  const date = new Date(Number(y), Number(m) - 1, Number(d), Number(h), Number(min));
  return date.getDate() === Number(d) && date.getMonth() === Number(m) - 1 ? date : undefined;
}

function isoOf(date, timed) {
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  return timed ? `${day}T${pad(date.getHours())}:${pad(date.getMinutes())}:00+07:00` : day;
}

function datePicker(input) {
  const timed = input.dataset.date === "datetime";
  const shown = SHOWN[input.dataset.date] || SHOWN.date;
  const typed = input.value;
  const picker = flatpickr(input, {
    locale: Vietnamese,
    altInput: true,
    altFormat: shown,
    allowInput: true,
    enableTime: timed,
    time_24hr: true,
    defaultHour: 17,
    defaultMinute: 0,
    parseDate,
    formatDate: (date, format) => (format === shown ? flatpickr.formatDate(date, shown) : isoOf(date, timed)),
  });
  const alt = picker.altInput;
  // The visible input takes the label, hint and error of the field it stands for.
  alt.id = input.id;
  input.removeAttribute("id");
  for (const name of ["aria-describedby", "aria-invalid", "placeholder", "inputmode"]) {
    if (input.hasAttribute(name)) alt.setAttribute(name, input.getAttribute(name));
  }
  if (typed && !picker.selectedDates.length) {
    alt.value = typed; // not a date: keep what was typed, the server's message says why
    input.value = typed;
  }
  // A date typed without the calendar is read when the field is left.
  alt.addEventListener("blur", () => {
    const date = parseDate(alt.value);
    if (date) picker.setDate(date, true);
    else input.value = alt.value;
  });
}

function personPicker(select) {
  new TomSelect(select, {
    plugins: select.multiple ? ["remove_button"] : [],
    maxOptions: 500,
    closeAfterSelect: true,
    allowEmptyOption: true,
    searchField: ["text"],
    render: { no_results: () => `<div class="no-results">—</div>` },
  });
}

// Fields that apply only to choices asking for confirmation move into that choice's dialog;
// those of other choices stay in the form. Required only while their dialog is open, so that
// the browser's check never blocks another button.
function confirmations(form) {
  const buttons = form.querySelectorAll("button[data-confirm]");
  for (const button of buttons) {
    const choice = button.value;
    const dialog = document.createElement("dialog");
    dialog.className = "confirm";
    const title = document.createElement("h2");
    title.textContent = form.dataset.confirmTitle || "";
    const question = document.createElement("p");
    question.textContent = button.dataset.confirm;
    dialog.append(title, question);
    for (const field of form.querySelectorAll("[data-shown-with]")) {
      const choices = field.dataset.shownWith.split(" ");
      if (choices.length === 1 && choices[0] === choice) {
        for (const when of field.querySelectorAll(".when")) when.remove();
        dialog.append(field);
      }
    }
    const actions = document.createElement("div");
    actions.className = "actions";
    const ok = document.createElement("button");
    ok.type = "submit";
    ok.name = button.name;
    ok.value = button.value;
    ok.className = "danger";
    ok.textContent = button.dataset.confirmOk || button.textContent;
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "secondary";
    cancel.textContent = form.dataset.confirmCancel || "×";
    actions.append(cancel, ok);
    dialog.append(actions);
    form.append(dialog);
    // Fields of every choice that this one needs (the reason, when returning) visit the dialog
    // while it is open, and go back to their place in the form when it closes.
    const visiting = [...form.querySelectorAll("[data-required-with]")]
      .filter((field) => field.dataset.requiredWith.split(" ").includes(choice))
      .map((field) => ({ field, home: field.parentNode, next: field.nextSibling }));
    const controls = () => dialog.querySelectorAll("textarea, input:not([type=hidden]), select");
    const open = () => {
      for (const { field } of visiting) actions.before(field);
      for (const control of controls()) control.required = true;
      dialog.showModal();
      (controls()[0] || ok).focus();
    };
    button.addEventListener("click", (event) => {
      event.preventDefault();
      open();
    });
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      for (const control of controls()) control.required = false;
      for (const { field, home, next } of visiting) home.insertBefore(field, next);
    });
    // A field of this choice refused by the server: open its dialog again.
    if (dialog.querySelector(".field.invalid") || visiting.some(({ field }) => field.matches(".invalid"))) open();
  }
}

document.querySelectorAll("input[data-date]").forEach(datePicker);
document.querySelectorAll("select[data-picker]").forEach(personPicker);
document.querySelectorAll("form[data-confirm-title]").forEach(confirmations);
