// Small browser helpers the circuit calls once per action; nothing here runs on a timer.
window.iotDashboard = {
    getTheme: () => window.localStorage.getItem("iotdashboard.theme"),
    setTheme: (value) => window.localStorage.setItem("iotdashboard.theme", value),
    // Minutes to add to local time to get UTC (as Date.getTimezoneOffset returns it).
    timeZoneOffset: () => new Date().getTimezoneOffset(),
    // Starts a file download without leaving the page (the CSV export streams from the server).
    download: (url) => {
        const link = document.createElement("a");
        link.href = url;
        link.download = "";
        document.body.appendChild(link);
        link.click();
        link.remove();
    },
};
