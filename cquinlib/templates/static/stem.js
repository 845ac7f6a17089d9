/* The English Snowball (Porter2) stemmer, as whoosh's whoosh.lang.snowball.english.EnglishStemmer writes it,
   step for step (including its handling of the R1 and R2 regions), so that a word typed on the search page
   gets the stem the build gave the same word in a document. tests/test_search_grammar_browser.py checks it
   against the Python stemmer on every word of the bundled library and a list of inflections. */
(function () {
  "use strict";

  var VOWELS = "aeiouy";
  var DOUBLES = ["bb", "dd", "ff", "gg", "mm", "nn", "pp", "rr", "tt"];
  var LI_ENDING = "cdeghkmnrt";
  var STEP0 = ["'s'", "'s", "'"];
  var STEP1A = ["sses", "ied", "ies", "us", "ss", "s"];
  var STEP1B = ["eedly", "ingly", "edly", "eed", "ing", "ed"];
  var STEP2 = ["ization", "ational", "fulness", "ousness", "iveness", "tional", "biliti", "lessli", "entli",
               "ation", "alism", "aliti", "ousli", "iviti", "fulli", "enci", "anci", "abli", "izer", "ator",
               "alli", "bli", "ogi", "li"];
  var STEP3 = ["ational", "tional", "alize", "icate", "iciti", "ative", "ical", "ness", "ful"];
  var STEP4 = ["ement", "ance", "ence", "able", "ible", "ment", "ant", "ent", "ism", "ate", "iti", "ous", "ive",
               "ize", "ion", "al", "er", "ic"];
  var SPECIAL = {
    skis: "ski", skies: "sky", dying: "die", lying: "lie", tying: "tie", idly: "idl", gently: "gentl",
    ugly: "ugli", early: "earli", only: "onli", singly: "singl", sky: "sky", news: "news", howe: "howe",
    atlas: "atlas", cosmos: "cosmos", bias: "bias", andes: "andes", inning: "inning", innings: "inning",
    outing: "outing", outings: "outing", canning: "canning", cannings: "canning", herring: "herring",
    herrings: "herring", earring: "earring", earrings: "earring", proceed: "proceed", proceeds: "proceed",
    proceeded: "proceed", proceeding: "proceed", exceed: "exceed", exceeds: "exceed", exceeded: "exceed",
    exceeding: "exceed", succeed: "succeed", succeeds: "succeed", succeeded: "succeed", succeeding: "succeed"
  };

  /* Python's `ch in "..."` for one character (an index past either end, never reached by the algorithm, is in
     no set). */
  function isIn(ch, letters) { return ch !== "" && letters.indexOf(ch) >= 0; }
  function at(word, n) { return word.charAt(word.length + n); }   /* word[n] for n < 0 */
  function cut(text, n) { return n >= text.length ? "" : text.slice(0, text.length - n); }  /* text[:-n] */
  function endsWithAny(word, list) { for (var i = 0; i < list.length; i++) { if (word.endsWith(list[i])) { return true; } } return false; }

  function regions(word) {
    var r1 = "", r2 = "", i;
    for (i = 1; i < word.length; i++) {
      if (!isIn(word[i], VOWELS) && isIn(word[i - 1], VOWELS)) { r1 = word.slice(i + 1); break; }
    }
    for (i = 1; i < r1.length; i++) {
      if (!isIn(r1[i], VOWELS) && isIn(r1[i - 1], VOWELS)) { r2 = r1.slice(i + 1); break; }
    }
    return [r1, r2];
  }

  /* Replace a suffix of length n with `add` in word, r1 and r2 as whoosh does: a region shorter than the
     suffix becomes `short1` / `short2`. */
  function swap(s, n, add, short2) {
    s.word = cut(s.word, n) + add;
    s.r1 = s.r1.length >= n ? cut(s.r1, n) + add : "";
    s.r2 = s.r2.length >= n ? cut(s.r2, n) + add : (short2 === undefined ? "" : short2);
  }
  function drop(s, n) { s.word = cut(s.word, n); s.r1 = cut(s.r1, n); s.r2 = cut(s.r2, n); }

  function stem(input) {
    var word = input.toLowerCase(), i, suffix, k;
    if (Object.prototype.hasOwnProperty.call(SPECIAL, word)) { return SPECIAL[word]; }
    word = word.replace(/\u2019/g, "'").replace(/\u2018/g, "'").replace(/\u201B/g, "'");
    if (word.startsWith("'")) { word = word.slice(1); }
    if (word.startsWith("y")) { word = "Y" + word.slice(1); }
    for (i = 1; i < word.length; i++) {
      if (isIn(word[i - 1], VOWELS) && word[i] === "y") { word = word.slice(0, i) + "Y" + word.slice(i + 1); }
    }
    var s = {word: word, r1: "", r2: ""};
    if (word.startsWith("gener") || word.startsWith("commun") || word.startsWith("arsen")) {
      s.r1 = word.startsWith("gener") || word.startsWith("arsen") ? word.slice(5) : word.slice(6);
      for (i = 1; i < s.r1.length; i++) {
        if (!isIn(s.r1[i], VOWELS) && isIn(s.r1[i - 1], VOWELS)) { s.r2 = s.r1.slice(i + 1); break; }
      }
    } else {
      var r = regions(word);
      s.r1 = r[0];
      s.r2 = r[1];
    }
    for (k = 0; k < STEP0.length; k++) {
      if (s.word.endsWith(STEP0[k])) { drop(s, STEP0[k].length); break; }
    }
    for (k = 0; k < STEP1A.length; k++) {
      suffix = STEP1A[k];
      if (!s.word.endsWith(suffix)) { continue; }
      if (suffix === "sses") { drop(s, 2); }
      else if (suffix === "ied" || suffix === "ies") { drop(s, cut(s.word, suffix.length).length > 1 ? 2 : 1); }
      else if (suffix === "s") {
        if (/[aeiouy]/.test(s.word.slice(0, Math.max(0, s.word.length - 2)))) { drop(s, 1); }
      }
      break;
    }
    for (k = 0; k < STEP1B.length; k++) {
      suffix = STEP1B[k];
      if (!s.word.endsWith(suffix)) { continue; }
      if (suffix === "eed" || suffix === "eedly") {
        if (s.r1.endsWith(suffix)) { swap(s, suffix.length, "ee"); }
      } else if (/[aeiouy]/.test(cut(s.word, suffix.length))) {
        drop(s, suffix.length);
        if (endsWithAny(s.word, ["at", "bl", "iz"])) {
          s.word += "e";
          s.r1 += "e";
          if (s.word.length > 5 || s.r1.length >= 3) { s.r2 += "e"; }
        } else if (endsWithAny(s.word, DOUBLES)) {
          drop(s, 1);
        } else if ((s.r1 === "" && s.word.length >= 3 && !isIn(at(s.word, -1), VOWELS) && !isIn(at(s.word, -1), "wxY") &&
                    isIn(at(s.word, -2), VOWELS) && !isIn(at(s.word, -3), VOWELS)) ||
                   (s.r1 === "" && s.word.length === 2 && isIn(s.word[0], VOWELS) && !isIn(s.word[1], VOWELS))) {
          s.word += "e";
          if (s.r1.length > 0) { s.r1 += "e"; }
          if (s.r2.length > 0) { s.r2 += "e"; }
        }
      }
      break;
    }
    if (s.word.length > 2 && isIn(at(s.word, -1), "yY") && !isIn(at(s.word, -2), VOWELS)) {
      s.word = cut(s.word, 1) + "i";
      s.r1 = s.r1.length >= 1 ? cut(s.r1, 1) + "i" : "";
      s.r2 = s.r2.length >= 1 ? cut(s.r2, 1) + "i" : "";
    }
    for (k = 0; k < STEP2.length; k++) {
      suffix = STEP2[k];
      if (!s.word.endsWith(suffix)) { continue; }
      if (s.r1.endsWith(suffix)) {
        if (suffix === "tional" || suffix === "entli" || suffix === "fulli" || suffix === "lessli") { drop(s, 2); }
        else if (suffix === "enci" || suffix === "anci" || suffix === "abli") { swap(s, 1, "e"); }
        else if (suffix === "izer" || suffix === "ization") { swap(s, suffix.length, "ize"); }
        else if (suffix === "ational" || suffix === "ation" || suffix === "ator") { swap(s, suffix.length, "ate", "e"); }
        else if (suffix === "alism" || suffix === "aliti" || suffix === "alli") { swap(s, suffix.length, "al"); }
        else if (suffix === "fulness") { drop(s, 4); }
        else if (suffix === "ousli" || suffix === "ousness") { swap(s, suffix.length, "ous"); }
        else if (suffix === "iveness" || suffix === "iviti") { swap(s, suffix.length, "ive", "e"); }
        else if (suffix === "biliti" || suffix === "bli") { swap(s, suffix.length, "ble"); }
        else if (suffix === "ogi" && at(s.word, -4) === "l") { drop(s, 1); }
        else if (suffix === "li" && isIn(at(s.word, -3), LI_ENDING)) { drop(s, 2); }
      }
      break;
    }
    for (k = 0; k < STEP3.length; k++) {
      suffix = STEP3[k];
      if (!s.word.endsWith(suffix)) { continue; }
      if (s.r1.endsWith(suffix)) {
        if (suffix === "tional") { drop(s, 2); }
        else if (suffix === "ational") { swap(s, suffix.length, "ate"); }
        else if (suffix === "alize") { drop(s, 3); }
        else if (suffix === "icate" || suffix === "iciti" || suffix === "ical") { swap(s, suffix.length, "ic"); }
        else if (suffix === "ful" || suffix === "ness") { drop(s, suffix.length); }
        else if (suffix === "ative" && s.r2.endsWith(suffix)) { drop(s, 5); }
      }
      break;
    }
    for (k = 0; k < STEP4.length; k++) {
      suffix = STEP4[k];
      if (!s.word.endsWith(suffix)) { continue; }
      if (s.r2.endsWith(suffix)) {
        if (suffix === "ion") {
          if (isIn(at(s.word, -4), "st")) { drop(s, 3); }
        } else {
          drop(s, suffix.length);
        }
      }
      break;
    }
    if (s.r2.endsWith("l") && at(s.word, -2) === "l") {
      s.word = cut(s.word, 1);
    } else if (s.r2.endsWith("e")) {
      s.word = cut(s.word, 1);
    } else if (s.r1.endsWith("e")) {
      if (s.word.length >= 4 && (isIn(at(s.word, -2), VOWELS) || isIn(at(s.word, -2), "wxY") ||
                                 !isIn(at(s.word, -3), VOWELS) || isIn(at(s.word, -4), VOWELS))) {
        s.word = cut(s.word, 1);
      }
    }
    return s.word.replace(/Y/g, "y");
  }

  window.cquinStem = stem;
})();
