/** @odoo-module **/
/* Critical values reach the signed-in clinician live: a sticky notification
 * with a sound, and a badge in the top bar counting the alerts waiting for
 * their acknowledgement. Phones may mute a background tab: the SMS to the
 * duty phone is sent as well (server side). */
import { Component, reactive, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

const ALERT_MODEL = "ihospital.critical.alert";

export const criticalAlertService = {
    dependencies: ["bus_service", "notification", "action", "orm", "mail.sound_effects"],
    start(env, { bus_service, notification, action, orm, "mail.sound_effects": soundEffects }) {
        const state = reactive({ count: 0, enabled: false });

        let lastAsked = 0;
        async function refresh() {
            // answers can come back out of order: only the last question counts
            const asked = ++lastAsked;
            try {
                const count = await orm.searchCount(ALERT_MODEL, [
                    ["is_my_alert", "=", true],
                    ["state", "=", "to_acknowledge"],
                ]);
                if (asked === lastAsked) {
                    state.count = count;
                    state.enabled = true;
                }
            } catch {
                // roles without access to alerts: no badge
                state.enabled = false;
            }
        }

        function open(alertId) {
            action.doAction({
                type: "ir.actions.act_window",
                res_model: ALERT_MODEL,
                res_id: alertId,
                views: [[false, "form"]],
                target: "current",
            });
        }

        bus_service.subscribe("ihospital_critical/alert", (payload) => {
            soundEffects.play("incoming-call", { volume: 0.6 });
            notification.add(`${payload.patient}: ${payload.item} ${payload.value} ${payload.unit}`, {
                title: payload.level ? _t("Critical value (escalated)") : _t("Critical value"),
                type: "danger",
                sticky: true,
                buttons: [{ name: _t("Open"), primary: true, onClick: () => open(payload.id) }],
            });
            refresh();
        });
        bus_service.subscribe("ihospital_critical/update", () => refresh());
        // the user's own acknowledgement (a dialog closing) updates the badge at once
        env.bus.addEventListener("ACTION_MANAGER:UI-UPDATED", () => refresh());
        refresh();
        return { state, refresh, open };
    },
};

registry.category("services").add("ihospital_critical_alert", criticalAlertService);

export class CriticalAlertSystray extends Component {
    static template = "ihospital_staff.CriticalAlertSystray";
    static props = {};

    setup() {
        this.criticalAlerts = useService("ihospital_critical_alert");
        this.state = useState(this.criticalAlerts.state);
        this.action = useService("action");
    }

    openMine() {
        this.action.doAction("ihospital_staff.ihospital_critical_alert_action_mine");
    }
}

registry.category("systray").add("ihospital_staff.critical_alerts", { Component: CriticalAlertSystray }, { sequence: 30 });
