// The payment calculator on scheme pages: shows each indicator's form (hidden until this script runs, since
// the page states the rule and a worked example without it) and answers as the user types; and for milestones
// (whose table gives each payment without it), adds up the payments of those ticked as met. The rule is the one
// cquinlib/library/scales.py applies to the worked example: nothing below min %, all at or above max %,
// linear between; or, for steps, the share of the highest step reached. It reads only numbers from data-
// attributes and writes only text, never markup.
(function () {
  "use strict";

  function stepShare(steps, achieved) {
    // "threshold:pay:inclusive" triples in rising order: the share of the highest step reached, else nothing.
    var paid = 0;
    steps.trim().split(/\s+/).forEach(function (step) {
      var parts = step.split(":"), threshold = parseFloat(parts[0]), inclusive = parts[2] === "1";
      if (inclusive ? achieved >= threshold : achieved > threshold) { paid = parseFloat(parts[1]) / 100; }
    });
    return paid;
  }

  function share(min, max, achieved) {
    if (achieved >= max) { return 1; }
    if (achieved < min) { return 0; }
    return (achieved - min) / (max - min);
  }

  function percentText(fraction) {
    var tenths = Math.round(fraction * 1000);  // halves round up, as payments.percent_text rounds them
    return tenths % 10 === 0 ? String(tenths / 10) : (tenths / 10).toFixed(1);
  }

  function moneyText(value) {
    // As the site writes money: £1,234,567, with pence only when there are any.
    var pence = Math.abs(value - Math.round(value)) >= 0.005;
    return "£" + value.toLocaleString("en-GB", {
      minimumFractionDigits: pence ? 2 : 0, maximumFractionDigits: pence ? 2 : 0
    });
  }

  function answer(form, input, output) {
    var min = parseFloat(form.dataset.min), max = parseFloat(form.dataset.max);
    var text = input.value.trim();
    var achieved = Number(text);
    if (text === "" || !isFinite(achieved) || achieved < 0 || achieved > 100) {
      output.textContent = "Enter a percentage from 0 to 100.";
      return;
    }
    var earned = form.dataset.steps ? stepShare(form.dataset.steps, achieved) : share(min, max, achieved);
    var words = text + "% achieved earns " + percentText(earned) + "% of the indicator's value";
    if (form.dataset.value !== undefined) {
      words += ": " + moneyText(parseFloat(form.dataset.value) * earned);
    }
    output.textContent = words + ".";
  }

  function milestonesMet(form, boxes, output) {
    var earned = 0, met = 0;
    boxes.forEach(function (box) {
      if (box.checked) { earned += parseFloat(box.dataset.payment) / 100; met += 1; }
    });
    var words = met + " of " + output.dataset.count + " milestone" + (output.dataset.count === "1" ? "" : "s") +
      " met earn" + (met === 1 ? "s " : " ") + percentText(earned) + "% of the indicator's value";
    if (form.dataset.value !== undefined) {
      words += ": " + moneyText(parseFloat(form.dataset.value) * earned);
    }
    output.textContent = words + ".";
  }

  document.querySelectorAll("form.milestone-form").forEach(function (form) {
    var boxes = form.querySelectorAll("input[type=checkbox]"), output = form.querySelector("output");
    form.parentNode.hidden = false;
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    boxes.forEach(function (box) {
      box.addEventListener("change", function () { milestonesMet(form, boxes, output); });
    });
    milestonesMet(form, boxes, output);
  });

  document.querySelectorAll("form.calculator-form").forEach(function (form) {
    var input = form.querySelector("input"), output = form.querySelector("output");
    form.hidden = false;
    form.addEventListener("submit", function (event) { event.preventDefault(); answer(form, input, output); });
    input.addEventListener("input", function () { answer(form, input, output); });
  });
}());
