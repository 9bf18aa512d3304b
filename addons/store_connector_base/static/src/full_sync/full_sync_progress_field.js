import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";
import { Component, markup, onMounted, onWillUnmount } from "@odoo/owl";

// How often a running Full Sync's progress is read again (const.FULL_SYNC_REFRESH_MS).
const REFRESH_MS = 3000;

// The progress bars of a store's latest Full Sync (connector.store.full_sync_progress_html, built on the
// server). While the run is running (the record's full_sync_state), the record is read again every few
// seconds, unless the user is editing it, so that the bars move without a reload of the page.
export class FullSyncProgressField extends Component {
    static template = "store_connector_base.FullSyncProgressField";
    static props = { ...standardFieldProps };

    setup() {
        onMounted(() => {
            this.timer = setInterval(() => this.refresh(), REFRESH_MS);
        });
        onWillUnmount(() => clearInterval(this.timer));
    }

    get html() {
        return markup(this.props.record.data[this.props.name] || "");
    }

    async refresh() {
        const record = this.props.record;
        if (record.data.full_sync_state !== "running" || record.dirty || !record.resId) {
            return;
        }
        await record.load();
    }
}

export const fullSyncProgressField = {
    component: FullSyncProgressField,
    displayName: _t("Full Sync Progress"),
    supportedTypes: ["html"],
    fieldDependencies: [{ name: "full_sync_state", type: "selection" }],
};

registry.category("fields").add("store_connector_full_sync_progress", fullSyncProgressField);
