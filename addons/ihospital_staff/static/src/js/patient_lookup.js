/** @odoo-module **/
/* The patient lookup of the staff app (检验结果查询, H5), phone first: by
 * medical card, ID or HIS number, name in characters, pinyin or initials.
 * The server looks up with the user's rights (record rules, ID numbers
 * masked, each lookup logged: ihospital.patient.chart.lookup_patients);
 * here: the hint for a term too short to look up (no query), the debounce
 * while typing, Enter or a scanned card (the number at once, and straight to
 * the patient when it is one patient's number), the results list. Used by
 * the workbench's quick search and the lab lookup screen. */
import { Component, onMounted, useRef, useState } from "@odoo/owl";
import { isBarcodeScannerSupported } from "@web/core/barcode/barcode_video_scanner";
import { scanBarcode } from "@web/core/barcode/barcode_dialog";
import { isMobileOS } from "@web/core/browser/feature_detection";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { useDebounced } from "@web/core/utils/timing";
import { Layout } from "@web/search/layout";
import { PATIENT_ACTION } from "./patient_chart";

// what typing waits for before it looks up (ms)
export const LOOKUP_DELAY = 300;
// as the server's LOOKUP_MIN: one Chinese character (a surname) is enough
const LOOKUP_MIN = 2;
const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

/** Why `term` is not looked up yet, or "" when it is. */
export function lookupHint(term) {
    const text = term.replace(/\s+/g, "");
    if (!text) {
        return _t("Type a medical card, ID or HIS number, or a name (characters, pinyin or initials such as lxm).");
    }
    if (text.length < LOOKUP_MIN && !CJK.test(text)) {
        return _t("Type at least two letters or digits (one Chinese character is enough).");
    }
    return "";
}

/** The number a scanner or the camera read off a card, without the start
 * and end marks of a magnetic stripe (;…?, %…?) and the line end. */
export function cleanScan(code) {
    return (code || "").trim().replace(/^[^0-9A-Za-z\u3400-\u9fff]+|[^0-9A-Za-z\u3400-\u9fff]+$/g, "");
}

/** Open the patient's page, or only their lab reports (newest open). */
export function openPatient(action, patientId, kind = "") {
    return action.doAction(PATIENT_ACTION, { props: { resId: patientId, kind } });
}

/**
 * The lookup's state and what drives it, for a component:
 * - input(term): as the user types (debounced; a hint at once, no query);
 * - now(term): Enter or a scan (no wait); resolves to the answer, or null
 *   when not looked up or overtaken by a newer term.
 */
export function usePatientLookup() {
    const orm = useService("orm");
    const state = useState({
        term: "",
        hint: lookupHint(""),
        loading: false,
        searched: null, // the term the patients are of
        patients: [],
        more: false,
        limit: 0,
        error: "",
    });
    let sequence = 0;

    async function run(term) {
        const number = ++sequence;
        const hint = lookupHint(term);
        state.hint = hint;
        if (hint) {
            Object.assign(state, { loading: false, searched: null, patients: [], more: false, error: "" });
            return null;
        }
        state.loading = true;
        let answer;
        try {
            answer = await orm.call("ihospital.patient.chart", "lookup_patients", [term.trim()]);
        } catch (error) {
            if (number === sequence) {
                Object.assign(state, { loading: false, searched: null, patients: [] });
                state.error = error.data?.message || _t("The lookup failed; try again.");
            }
            return null;
        }
        if (number !== sequence) {
            return null; // a newer term was typed meanwhile
        }
        Object.assign(state, {
            loading: false,
            error: "",
            searched: term.trim(),
            patients: answer.patients,
            more: answer.more,
            limit: answer.limit,
        });
        return answer;
    }
    const debounced = useDebounced(run, LOOKUP_DELAY);

    return {
        state,
        input(term) {
            state.term = term;
            if (lookupHint(term)) {
                debounced.cancel();
                run(term);
            } else {
                state.loading = true;
                debounced(term);
            }
        },
        now(term) {
            state.term = term;
            debounced.cancel();
            return run(term);
        },
    };
}

/** The one patient a card, ID or HIS number was typed or scanned for. */
export function singleByNumber(answer) {
    return answer?.patients.length === 1 && answer.patients[0].by_number ? answer.patients[0] : null;
}

/** The patients found: name, gender and age, numbers, ID masked as the
 * server sends it, what matched; tap: `mode` ("patient": the page, "lab":
 * the lab reports), the small button: the other. */
export class PatientLookupList extends Component {
    static template = "ihospital_staff.PatientLookupList";
    static props = {
        // the state of usePatientLookup (reactive: the list follows it)
        lookupState: Object,
        mode: { type: String, optional: true },
        showEmpty: { type: Boolean, optional: true },
    };
    static defaultProps = { mode: "patient", showEmpty: true };

    setup() {
        this.action = useService("action");
    }

    get state() {
        return this.props.lookupState;
    }

    get moreText() {
        return _t(
            "More than %s patients match: refine your search (more of the name, or the whole number).",
            this.state.limit
        );
    }

    open(patient, lab) {
        openPatient(this.action, patient.id, lab ? "lab" : "");
    }
}

/** The lab lookup screen (检验结果查询): the box, a camera button on a phone
 * that has one, the patients; a patient opens on their lab reports. */
export class LabLookup extends Component {
    static template = "ihospital_staff.LabLookup";
    static components = { Layout, PatientLookupList };
    static props = ["*"];

    setup() {
        this.action = useService("action");
        this.lookup = usePatientLookup();
        this.input = useRef("input");
        this.canScan = isMobileOS() && isBarcodeScannerSupported();
        onMounted(() => this.input.el?.focus());
    }

    get display() {
        return { controlPanel: {} };
    }

    onInput(ev) {
        this.lookup.input(ev.target.value);
    }

    async onKeydown(ev) {
        if (ev.key === "Enter") {
            // a card scanner types the number then Enter: no wait
            ev.preventDefault();
            await this.submit(cleanScan(ev.target.value));
        }
    }

    async scan() {
        let code;
        try {
            code = await scanBarcode(this.env);
        } catch {
            return; // no camera, or no permission: the dialog said so
        }
        if (code) {
            await this.submit(cleanScan(code));
        }
    }

    async submit(term) {
        if (this.input.el) {
            this.input.el.value = term;
        }
        const patient = singleByNumber(await this.lookup.now(term));
        if (patient) {
            openPatient(this.action, patient.id, "lab");
        }
    }
}

registry.category("actions").add("ihospital_staff_lab_lookup", LabLookup);
