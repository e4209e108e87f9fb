//! Drawing one frame. Pure: reads the state, writes cells.

use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};
use ratatui::Frame;

use super::{format, DashboardState, TargetHealth};
use crate::sampler::{AlertCondition, AlertRule, AlertStatus, DistributionKind, Quantiles};

/// Below this size the panels cannot be read: say so instead.
const MIN_WIDTH: u16 = 60;
const MIN_HEIGHT: u16 = 16;
/// The `dots` spinner.
const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const STATUS_WIDTH: u16 = 38;

fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

fn panel(title: String, color: Color) -> Block<'static> {
    Block::bordered()
        .title(Span::styled(title, bold().fg(color)))
        .border_style(Style::new().fg(color))
}

/// The width left for a table's first column.
fn name_width(area: Rect, fixed: &[u16]) -> usize {
    let spacing = fixed.len() as u16;
    let used = fixed.iter().sum::<u16>() + spacing + 2;
    area.width.saturating_sub(used).max(8) as usize
}

/// Rows that fit in a bordered table with a header, and the "… more" row.
fn fit<T>(rows: Vec<T>, area: Rect) -> (Vec<T>, usize) {
    let room = area.height.saturating_sub(3) as usize;
    if rows.len() <= room {
        return (rows, 0);
    }
    let shown = room.saturating_sub(1);
    let hidden = rows.len() - shown;
    (rows.into_iter().take(shown).collect(), hidden)
}

fn more_row(hidden: usize, columns: usize) -> Row<'static> {
    let mut cells = vec![Cell::from(format!("… {hidden} more"))];
    cells.extend((1..columns).map(|_| Cell::from("")));
    Row::new(cells).style(dim())
}

pub(super) fn render(state: &DashboardState, frame: &mut Frame<'_>) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "{}\nterminal too small ({}×{}, need {MIN_WIDTH}×{MIN_HEIGHT})\n{}\nq to quit",
            state.config.title,
            area.width,
            area.height,
            state.status().text()
        );
        frame.render_widget(Paragraph::new(text).alignment(Alignment::Center), area);
        return;
    }
    let sampler = state.sampler();
    let gauges = sampler.gauges().len();
    let distributions = sampler.distributions().len();
    let top = (gauges.max(3) + 2).min(8) as u16;
    let histograms = (distributions.max(1) + 3).min(9) as u16;
    let alerts = (state.alerts().len().max(1) + 2) as u16;
    let [header, top, counters, histograms, alerts, footer] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(top),
        Constraint::Min(4),
        Constraint::Length(histograms),
        Constraint::Length(alerts),
        Constraint::Length(1),
    ])
    .areas(area);
    let [status, gauges] =
        Layout::horizontal([Constraint::Length(STATUS_WIDTH), Constraint::Fill(1)]).areas(top);
    render_header(state, frame, header);
    render_status(state, frame, status);
    render_gauges(state, frame, gauges);
    render_counters(state, frame, counters);
    render_histograms(state, frame, histograms);
    render_alerts(state, frame, alerts);
    render_footer(state, frame, footer);
}

fn render_header(state: &DashboardState, frame: &mut Frame<'_>, area: Rect) {
    let block = Block::bordered()
        .title(
            Line::from(Span::styled(
                format!(" {} ", state.config.title),
                bold().fg(Color::Blue),
            ))
            .centered(),
        )
        .border_style(Style::new().fg(Color::Blue));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let health = match state.health() {
        TargetHealth::InProcess => Span::raw(""),
        TargetHealth::Connecting => Span::styled(" (connecting…)", Style::new().fg(Color::Yellow)),
        TargetHealth::Up => Span::styled(" (up)", Style::new().fg(Color::Green)),
        TargetHealth::Down { error, failures } => Span::styled(
            format!(" (DOWN ×{failures}: {error})"),
            bold().fg(Color::Red),
        ),
    };
    let left = Line::from(vec![
        Span::styled("target: ", dim()),
        Span::raw(state.config.target.clone()),
        health,
    ]);
    let right = Line::from(vec![
        Span::styled("uptime ", dim()),
        Span::styled(format::uptime(state.uptime()), bold()),
        Span::raw(" "),
    ]);
    let right_width = right.width() as u16;
    let [l, r] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(right_width)]).areas(inner);
    frame.render_widget(Paragraph::new(left), l);
    frame.render_widget(Paragraph::new(right).alignment(Alignment::Right), r);
}

fn render_status(state: &DashboardState, frame: &mut Frame<'_>, area: Rect) {
    let status = state.status();
    let done = status.is_done();
    let (mark, mark_style) = if done {
        ("✔", bold().fg(Color::Green))
    } else {
        (
            SPINNER[state.spinner % SPINNER.len()],
            bold().fg(Color::Yellow),
        )
    };
    // The roles, whatever the counters are called.
    let legend = "failed - processed / total";
    let phase = if done {
        Span::styled("all tasks processed", Style::new().fg(Color::Green))
    } else if state.workload_done {
        Span::styled("workload ended", Style::new().fg(Color::Yellow))
    } else {
        Span::styled(
            format!("running · uptime {}", format::uptime(state.uptime())),
            dim(),
        )
    };
    let text = vec![
        Line::from(vec![
            Span::styled(mark, mark_style),
            Span::raw(" "),
            Span::styled(status.text(), bold().fg(Color::Yellow)),
        ]),
        Line::from(Span::styled(legend, dim())),
        Line::from(phase),
    ];
    frame.render_widget(
        Paragraph::new(text)
            .alignment(Alignment::Center)
            .block(panel(" Status ".to_owned(), Color::Yellow)),
        area,
    );
}

fn render_gauges(state: &DashboardState, frame: &mut Frame<'_>, area: Rect) {
    let gauges = state.sampler().gauges();
    let fixed = [14];
    let width = name_width(area, &fixed);
    let (shown, hidden) = fit(gauges, area);
    let mut rows: Vec<Row<'_>> = shown
        .iter()
        .map(|g| {
            let name = format::ellipsize_middle(&format::series(g.name, g.labels), width);
            let row = Row::new(vec![
                Cell::from(name),
                Cell::from(Line::from(format::in_unit(g.name, g.value)).right_aligned()),
            ]);
            if g.stale {
                row.style(dim())
            } else {
                row
            }
        })
        .collect();
    if hidden > 0 {
        rows.push(more_row(hidden, 2));
    }
    let header = Row::new(vec![
        Cell::from("gauge"),
        Cell::from(Line::from("value").right_aligned()),
    ])
    .style(dim());
    let table = Table::new(rows, [Constraint::Fill(1), Constraint::Length(fixed[0])])
        .header(header)
        .block(panel(" Gauges ".to_owned(), Color::Magenta));
    frame.render_widget(table, area);
}

fn render_counters(state: &DashboardState, frame: &mut Frame<'_>, area: Rect) {
    let sampler = state.sampler();
    let window = format::duration(sampler.config().window);
    let counters = sampler.counters();
    let fixed = [12, 11, 11];
    let width = name_width(area, &fixed);
    let (shown, hidden) = fit(counters, area);
    let right = |s: String| Cell::from(Line::from(s).right_aligned());
    let mut rows: Vec<Row<'_>> = shown
        .iter()
        .map(|c| {
            let mut name = format::series(c.name, c.labels);
            if c.stale {
                name.push_str(" (gone)");
            }
            let row = Row::new(vec![
                Cell::from(format::ellipsize_middle(&name, width)),
                right(format::number(c.total)).style(bold()),
                right(format::rate(c.rate)).style(Style::new().fg(Color::Cyan)),
                right(format::rate(c.irate)).style(Style::new().fg(Color::Cyan)),
            ]);
            if c.stale {
                row.style(dim())
            } else {
                row
            }
        })
        .collect();
    if hidden > 0 {
        rows.push(more_row(hidden, 4));
    }
    let header = Row::new(vec![
        Cell::from("counter"),
        right("total".to_owned()),
        right(format!("rate[{window}]")),
        right("irate".to_owned()),
    ])
    .style(dim());
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(fixed[0]),
        Constraint::Length(fixed[1]),
        Constraint::Length(fixed[2]),
    ];
    let table = Table::new(rows, widths).header(header).block(panel(
        " Counters (raw totals, derived rates) ".to_owned(),
        Color::Green,
    ));
    frame.render_widget(table, area);
}

fn quantile_cells(name: &str, window: &Quantiles, lifetime: &Quantiles) -> [Cell<'static>; 3] {
    let cell = |w: Option<f64>, l: Option<f64>| {
        let (text, style) = match (w, l) {
            (Some(v), _) => (format::in_unit(name, v), Style::new()),
            (None, Some(v)) => (format!("{}*", format::in_unit(name, v)), dim()),
            (None, None) => ("—".to_owned(), dim()),
        };
        Cell::from(Line::from(text).right_aligned()).style(style)
    };
    [
        cell(window.p50, lifetime.p50),
        cell(window.p95, lifetime.p95),
        cell(window.p99, lifetime.p99),
    ]
}

fn render_histograms(state: &DashboardState, frame: &mut Frame<'_>, area: Rect) {
    let sampler = state.sampler();
    let window = format::duration(sampler.config().window);
    let distributions = sampler.distributions();
    let fixed = [9, 10, 9, 9, 9, 9];
    let width = name_width(area, &fixed);
    let (shown, hidden) = fit(distributions, area);
    let right = |s: String| Cell::from(Line::from(s).right_aligned());
    let mut rows: Vec<Row<'_>> = shown
        .iter()
        .map(|d| {
            let mut name = format::series(d.name, d.labels);
            if d.kind == DistributionKind::Summary {
                name.push_str(" (summary)");
            }
            let mut cells = vec![
                Cell::from(format::ellipsize_middle(&name, width)),
                right(format::number(d.count)).style(bold()),
                right(format::rate(d.rate)).style(Style::new().fg(Color::Cyan)),
                right(
                    d.mean
                        .map_or_else(|| "—".to_owned(), |m| format::in_unit(d.name, m)),
                ),
            ];
            cells.extend(quantile_cells(d.name, &d.window, &d.lifetime));
            let row = Row::new(cells);
            if d.stale {
                row.style(dim())
            } else {
                row
            }
        })
        .collect();
    if hidden > 0 {
        rows.push(more_row(hidden, 7));
    }
    let header = Row::new(vec![
        Cell::from("histogram"),
        right("count".to_owned()),
        right("obs/s".to_owned()),
        right("mean".to_owned()),
        right("p50".to_owned()),
        right("p95".to_owned()),
        right("p99".to_owned()),
    ])
    .style(dim());
    let mut widths = vec![Constraint::Fill(1)];
    widths.extend(fixed.iter().map(|w| Constraint::Length(*w)));
    let title =
        format!(" Histograms (over {window}; * = since start, nothing observed in the window) ");
    let table = Table::new(rows, widths)
        .header(header)
        .block(panel(title, Color::Cyan));
    frame.render_widget(table, area);
}

/// A rule in a few words: `tasks_failed_total / tasks_processed_total > 5%`.
fn describe(rule: &AlertRule) -> String {
    let mut text = match &rule.condition {
        AlertCondition::RatioAbove {
            numerator,
            denominator,
            threshold,
        } => format!(
            "rate {numerator} / rate {denominator} > {}",
            format::percent(*threshold)
        ),
        AlertCondition::QuantileAbove {
            histogram,
            quantile,
            threshold,
        } => format!(
            "p{} {histogram} > {}",
            format::number(quantile * 100.0),
            format::in_unit(histogram, *threshold)
        ),
        AlertCondition::Stalled { counter } => format!("rate {counter} == 0"),
        AlertCondition::GaugeAbove { gauge, threshold } => {
            format!("{gauge} > {}", format::in_unit(gauge, *threshold))
        }
    };
    if !rule.for_duration.is_zero() {
        text.push_str(&format!(" for {}", format::duration(rule.for_duration)));
    }
    text
}

fn value_text(rule: &AlertRule, value: Option<f64>) -> String {
    let Some(v) = value else {
        return "no data".to_owned();
    };
    match &rule.condition {
        AlertCondition::RatioAbove { .. } => format::percent(v),
        AlertCondition::QuantileAbove { histogram, .. } => format::in_unit(histogram, v),
        AlertCondition::Stalled { .. } => format::rate(Some(v)),
        AlertCondition::GaugeAbove { gauge, .. } => format::in_unit(gauge, v),
    }
}

fn render_alerts(state: &DashboardState, frame: &mut Frame<'_>, area: Rect) {
    let window = format::duration(state.sampler().config().window);
    let mut rows: Vec<Row<'_>> = state
        .alerts()
        .iter()
        .map(|(rule, s)| {
            let style = match s.status {
                AlertStatus::Firing => bold().fg(Color::Red),
                AlertStatus::Pending => bold().fg(Color::Yellow),
                AlertStatus::Inactive => Style::new().fg(Color::Green),
            };
            Row::new(vec![
                Cell::from(s.status.label()).style(style),
                Cell::from(rule.name.clone()).style(bold()),
                Cell::from(rule.severity.as_str()).style(dim()),
                Cell::from(Line::from(value_text(rule, s.value)).right_aligned()),
                Cell::from(describe(rule)),
            ])
        })
        .collect();
    if rows.is_empty() {
        rows.push(Row::new(vec![Cell::from("no alert rules")]).style(dim()));
    }
    let widths = [
        Constraint::Length(8),
        Constraint::Length(16),
        Constraint::Length(8),
        Constraint::Length(10),
        Constraint::Fill(1),
    ];
    let firing = state.alerts().firing().count();
    let color = if firing > 0 { Color::Red } else { Color::Green };
    let title = format!(" Alerts ({firing} firing; rates over {window}) ");
    frame.render_widget(Table::new(rows, widths).block(panel(title, color)), area);
}

fn render_footer(state: &DashboardState, frame: &mut Frame<'_>, area: Rect) {
    let memory = state.sampler().memory();
    let mut spans = vec![
        Span::styled(" q", bold()),
        Span::styled("/", dim()),
        Span::styled("Esc", bold()),
        Span::styled("/", dim()),
        Span::styled("Ctrl-C", bold()),
        Span::styled(" quit", dim()),
        Span::styled(
            format!(
                " · {} series (cap {}) · every {} ",
                memory.series,
                memory.max_series,
                format::duration(state.sampler().config().interval)
            ),
            dim(),
        ),
    ];
    if memory.untracked > 0 {
        spans.push(Span::styled(
            format!("· {} series over the cap, not shown ", memory.untracked),
            bold().fg(Color::Red),
        ));
    }
    if let Some(note) = &state.config.note {
        spans.push(Span::styled(format!("· {note}"), dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
